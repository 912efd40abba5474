import { Controller, Get, Injectable, Module, Param } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Cached, CacheEvent, CacheModule } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';
import { watchUnhandledRejections } from '../helpers/unhandled-rejections';

const VALUE = 'secret-value-4b1e';
const USER = 'user-e0e0e0';
let runs = 0;

@Controller('e')
class EventsController {
  @Get(':id')
  @Cached()
  one(@Param('id') id: string) {
    runs++;
    return { id, value: VALUE };
  }

  @Get('mine/:id')
  @Cached({ scope: 'user' })
  mine(@Param('id') id: string) {
    return { id, value: VALUE };
  }
}

/** A listener Nest registers with `suppressErrors: false`: its rejections reach the emitter. */
@Injectable()
class LoudListener {
  readonly seen: CacheEvent[] = [];

  @OnEvent('cache.miss', { suppressErrors: false })
  async onMiss(event: CacheEvent) {
    this.seen.push(event);
    await Promise.resolve();
    throw new Error('async listener of cache.miss broke');
  }
}

/** `events: true` from forRootAsync, with EventEmitterModule imported after CacheModule. */
function appModule() {
  @Module({
    imports: [
      CacheModule.forRootAsync({
        useFactory: async () => ({
          namespace: 'ev',
          events: true,
          userKey: (ctx) => ctx.switchToHttp().getRequest().headers['x-user'],
        }),
      }),
      EventEmitterModule.forRoot(),
    ],
    controllers: [EventsController],
    providers: [LoudListener],
  })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('async event listeners that reject, on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let watch: ReturnType<typeof watchUnhandledRejections>;

  beforeAll(async () => {
    watch = watchUnhandledRejections();
    ctx = await bootApp(platform, appModule());
  });
  afterAll(async () => {
    watch.stop();
    await ctx.app.close();
  });

  it('events: true works from forRootAsync with EventEmitterModule imported after it', async () => {
    runs = 0;
    const hits: CacheEvent[] = [];
    const emitter = ctx.app.get(EventEmitter2);
    emitter.on('cache.hit', (event: CacheEvent) => hits.push(event));
    await ctx.http().get('/e/1').expect(200).expect('X-Cache', 'MISS');
    await ctx.http().get('/e/1').expect(200).expect('X-Cache', 'HIT');
    expect(runs).toBe(1);
    expect(ctx.app.get(LoudListener).seen).toEqual([
      expect.objectContaining({ namespace: 'ev', source: 'EventsController.one', kind: 'http' }),
    ]);
    expect(hits).toHaveLength(1);
    expect(JSON.stringify([hits, ctx.app.get(LoudListener).seen])).not.toContain(VALUE);
  });

  it('a per-user entry: events carry neither the user nor the value', async () => {
    const seen: CacheEvent[] = [];
    const emitter = ctx.app.get(EventEmitter2);
    const record = (event: CacheEvent) => seen.push(event);
    for (const name of ['cache.stored', 'cache.hit']) emitter.on(name, record);
    try {
      await ctx.http().get('/e/mine/7').set('x-user', USER).expect(200);
      await ctx.http().get('/e/mine/7').set('x-user', USER).expect('X-Cache', 'HIT');
    } finally {
      for (const name of ['cache.stored', 'cache.hit']) emitter.off(name, record);
    }
    expect(seen.map((event) => event.source)).toEqual([
      'EventsController.mine',
      'EventsController.mine',
    ]);
    expect(JSON.stringify(seen)).not.toContain(USER);
    expect(JSON.stringify(seen)).not.toContain(VALUE);
  });

  it('a raw async listener that rejects raises no unhandled rejection and fails no request', async () => {
    const emitter = ctx.app.get(EventEmitter2);
    const raw = async () => {
      throw new Error('raw async listener of cache.stored broke');
    };
    emitter.on('cache.stored', raw);
    try {
      for (let i = 2; i < 6; i++) await ctx.http().get(`/e/${i}`).expect(200);
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(watch.reasons.map(String)).toEqual([]);
    } finally {
      emitter.off('cache.stored', raw);
    }
  });
});
