import { Controller, Get, Injectable, Module, Param } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Cached, CacheEvent, CacheHealthIndicator, CacheModule } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

@Controller('w')
class WildController {
  @Get(':id')
  @Cached()
  one(@Param('id') id: string) {
    return { id };
  }
}

/** Listens with a wildcard pattern, as apps with `wildcard: true` do. */
@Injectable()
class WildListener {
  readonly seen: string[] = [];

  @OnEvent('cache.*')
  onAny(event: CacheEvent) {
    this.seen.push(`${event.source}`);
  }
}

/** A module of its own that imports nothing: the indicator comes from the global CacheModule. */
@Injectable()
class Probe {
  constructor(readonly health: CacheHealthIndicator) {}
}

@Module({ providers: [Probe], exports: [Probe] })
class HealthModule {}

@Module({
  imports: [
    EventEmitterModule.forRoot({ wildcard: true }),
    CacheModule.forRootAsync({ isGlobal: true, useFactory: () => ({ events: true }) }),
    HealthModule,
  ],
  controllers: [WildController],
  providers: [WildListener],
})
class AppModule {}

/** The same app with only a catch-all (`onAny`) listener, in wildcard mode. */
@Module({
  imports: [
    EventEmitterModule.forRoot({ wildcard: true }),
    CacheModule.forRoot({ events: true, namespace: 'any' }),
  ],
  controllers: [WildController],
})
class OnAnyModule {}

describe.each(PLATFORMS)(
  'an onAny listener alone, in wildcard mode, on %s',
  (platform: Platform) => {
    it('gets the events', async () => {
      const ctx = await bootApp(platform, OnAnyModule);
      const any: string[] = [];
      ctx.app.get(EventEmitter2).onAny((name: string | string[]) => any.push(String(name)));
      try {
        await ctx.http().get('/w/1').expect('X-Cache', 'MISS');
        await ctx.http().get('/w/1').expect('X-Cache', 'HIT');
      } finally {
        await ctx.app.close();
      }
      expect(any).toEqual(['cache.miss', 'cache.stored', 'cache.hit']);
    });
  },
);

describe.each(PLATFORMS)('wildcard and catch-all listeners on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;

  beforeAll(async () => {
    ctx = await bootApp(platform, AppModule);
  });
  afterAll(() => ctx.app.close());

  it("a 'cache.*' listener and an onAny listener get the events", async () => {
    const any: string[] = [];
    const emitter = ctx.app.get(EventEmitter2);
    const listener = (name: string | string[]) => any.push(String(name));
    emitter.onAny(listener);
    try {
      await ctx.http().get('/w/1').expect('X-Cache', 'MISS');
      await ctx.http().get('/w/1').expect('X-Cache', 'HIT');
    } finally {
      emitter.offAny(listener);
    }
    expect(ctx.app.get(WildListener).seen).toEqual([
      'WildController.one',
      'WildController.one',
      'WildController.one',
    ]);
    expect(any).toEqual(['cache.miss', 'cache.stored', 'cache.hit']);
  });

  it('the health indicator is injectable in a module that imports nothing (global CacheModule)', async () => {
    const result = await ctx.app.get(Probe).health.isHealthy();
    expect(result.cache).toMatchObject({ status: 'up', circuit: 'closed' });
  });
});
