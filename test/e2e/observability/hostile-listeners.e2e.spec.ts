import { Controller, Get, Module, Param } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Cached, CacheModule, MemoryStore } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let handlerRuns = 0;

@Controller('h')
class HostileController {
  @Get(':id')
  @Cached()
  one(@Param('id') id: string) {
    handlerRuns++;
    return { id };
  }
}

/** A store whose reads fail on demand (a `cache.error` is emitted from inside the store call). */
class FlakyStore extends MemoryStore {
  failing = false;

  override get(key: string): string | undefined {
    if (this.failing) throw new Error('store down');
    return super.get(key);
  }
}

function appModule(store: FlakyStore) {
  @Module({
    imports: [EventEmitterModule.forRoot(), CacheModule.forRoot({ store, events: true })],
    controllers: [HostileController],
  })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('event listeners that throw, on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  const store = new FlakyStore();

  beforeAll(async () => {
    ctx = await bootApp(platform, appModule(store));
    const emitter = ctx.app.get(EventEmitter2);
    for (const name of ['cache.hit', 'cache.miss', 'cache.stored', 'cache.error']) {
      emitter.on(name, () => {
        throw new Error(`listener of ${name} broke`);
      });
    }
  });
  afterAll(() => ctx.app.close());

  it('still answers, stores and hits', async () => {
    handlerRuns = 0;
    await ctx.http().get('/h/1').expect(200, { id: '1' }).expect('X-Cache', 'MISS');
    await ctx.http().get('/h/1').expect(200, { id: '1' }).expect('X-Cache', 'HIT');
    expect(handlerRuns).toBe(1);
  });

  it('still fails open when the store fails', async () => {
    store.failing = true;
    try {
      await ctx.http().get('/h/2').expect(200, { id: '2' });
    } finally {
      store.failing = false;
    }
  });
});
