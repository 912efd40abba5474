import { Controller, Get, Injectable, Module, Param } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { Cached, CacheConfigError, CacheEvent, CacheModule, CacheService } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const VALUE = 'secret-value-4411';

@Controller('e')
class EventsController {
  @Get(':id')
  @Cached({ ttl: '1m' })
  one(@Param('id') id: string) {
    return { id, value: VALUE };
  }
}

@Injectable()
class Listener {
  readonly seen: [string, CacheEvent][] = [];

  @OnEvent('cache.*')
  any(event: CacheEvent) {
    this.seen.push(['any', event]);
  }

  @OnEvent('cache.hit')
  hit(event: CacheEvent) {
    this.seen.push(['cache.hit', event]);
  }

  @OnEvent('cache.stored')
  stored(event: CacheEvent) {
    this.seen.push(['cache.stored', event]);
  }

  @OnEvent('cache.invalidated')
  invalidated(event: CacheEvent) {
    this.seen.push(['cache.invalidated', event]);
  }
}

@Module({
  imports: [
    EventEmitterModule.forRoot({ wildcard: true }),
    CacheModule.forRoot({ namespace: 'ev', events: true }),
  ],
  controllers: [EventsController],
  providers: [Listener],
})
class AppModule {}

describe.each(PLATFORMS)('events on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let listener: Listener;
  let emitted: jest.SpyInstance;

  beforeAll(async () => {
    ctx = await bootApp(platform, AppModule);
    listener = ctx.app.get(Listener);
    emitted = jest.spyOn(ctx.app.get(EventEmitter2), 'emitAsync');
  });
  afterAll(() => ctx.app.close());
  beforeEach(() => {
    listener.seen.length = 0;
    emitted.mockClear();
  });

  it('emits cache.miss, cache.stored and cache.hit with the source, never the value', async () => {
    await ctx.http().get('/e/1').expect(200);
    await ctx.http().get('/e/1').expect('X-Cache', 'HIT');
    const names = emitted.mock.calls.map(([name]) => name);
    expect(names).toEqual(['cache.miss', 'cache.stored', 'cache.hit']);
    const [, hit] = listener.seen.find(([name]) => name === 'cache.hit')!;
    expect(hit).toMatchObject({
      namespace: 'ev',
      source: 'EventsController.one',
      kind: 'http',
    });
    expect(typeof hit.key).toBe('string');
    expect(hit.ageMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(emitted.mock.calls)).not.toContain(VALUE);
  });

  it('emits cache.bypass and cache.invalidated', async () => {
    await ctx.http().get('/e/2').set('Authorization', 'Bearer t').expect('X-Cache', 'BYPASS');
    await ctx.app.get(CacheService).invalidateTags('EventsController.one');
    await ctx.app.get(CacheService).delete(['a', 'b']);
    expect(emitted.mock.calls.map(([name]) => name)).toEqual([
      'cache.bypass',
      'cache.invalidated',
      'cache.invalidated',
      'cache.invalidated',
    ]);
    expect(listener.seen.filter(([name]) => name === 'cache.invalidated')).toEqual([
      ['cache.invalidated', { namespace: 'ev', key: 'EventsController.one', reason: 'tag' }],
      ['cache.invalidated', { namespace: 'ev', key: 'a', reason: 'key' }],
      ['cache.invalidated', { namespace: 'ev', key: 'b', reason: 'key' }],
    ]);
  });

  it('emits only names that have listeners', async () => {
    const emitter = ctx.app.get(EventEmitter2);
    emitter.removeAllListeners();
    await ctx.http().get('/e/3').expect(200);
    await ctx.http().get('/e/3').expect('X-Cache', 'HIT');
    expect(emitted).not.toHaveBeenCalled();
    const onHit = jest.fn();
    emitter.on('cache.hit', onHit);
    await ctx.http().get('/e/3').expect('X-Cache', 'HIT');
    expect(emitted.mock.calls.map(([name]) => name)).toEqual(['cache.hit']);
    expect(onHit).toHaveBeenCalledTimes(1);
  });
});

describe('events: true without EventEmitterModule', () => {
  it('fails the bootstrap with a CacheConfigError naming @nestjs/event-emitter', async () => {
    @Module({ imports: [CacheModule.forRoot({ events: true })] })
    class NoEmitterModule {}
    const moduleRef = await Test.createTestingModule({ imports: [NoEmitterModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const failure = await app.init().catch((error: unknown) => error);
    await app.close();
    expect(failure).toBeInstanceOf(CacheConfigError);
    expect((failure as Error).message).toMatch(/EventEmitterModule.*@nestjs\/event-emitter/);
  });
});
