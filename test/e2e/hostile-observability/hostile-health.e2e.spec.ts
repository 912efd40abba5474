import { Controller, Get, Module, Query } from '@nestjs/common';
import type { Ttl } from 'nestjs-cached';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { CacheHealthIndicator, CacheModule, MemoryStore } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';
import { watchUnhandledRejections } from '../helpers/unhandled-rejections';

/** A store that answers a few ms later, as a network store does, or misbehaves on demand. */
class RemoteLikeStore extends MemoryStore {
  mode: 'up' | 'hanging' | 'late-reject' | 'throw-undefined' | 'throw-string' = 'up';

  override get(key: string): string | undefined {
    const value = super.get(key);
    switch (this.mode) {
      case 'hanging':
        return new Promise(() => undefined) as never;
      case 'late-reject':
        return new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 60)) as never;
      case 'throw-undefined':
        throw undefined;
      case 'throw-string':
        throw 'store said no';
      default:
        return new Promise((resolve) => setTimeout(() => resolve(value), 5)) as never;
    }
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cache: CacheHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(@Query('timeout') timeout: string, @Query('strict') strict?: string) {
    const parsed: Ttl =
      timeout === 'Infinity'
        ? Infinity
        : /^\d+$/.test(timeout)
          ? Number(timeout)
          : (timeout as Ttl);
    return this.health.check([
      () => this.cache.isHealthy('cache', { timeout: parsed, strict: strict === 'true' }),
    ]);
  }
}

function appModule(store: RemoteLikeStore) {
  @Module({
    imports: [TerminusModule.forRoot({ logger: false }), CacheModule.forRoot({ store })],
    controllers: [HealthController],
  })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)(
  'CacheHealthIndicator against odd stores and timeouts, on %s',
  (platform: Platform) => {
    let ctx: Awaited<ReturnType<typeof bootApp>>;
    const store = new RemoteLikeStore();

    beforeAll(async () => {
      ctx = await bootApp(platform, appModule(store));
    });
    afterAll(() => ctx.app.close());
    afterEach(() => (store.mode = 'up'));

    it.each(['Infinity', '30d', '2592000000'])(
      'a healthy store is up, not degraded, with timeout %s (beyond a 32-bit timer)',
      async (timeout) => {
        const res = await ctx.http().get(`/health?timeout=${timeout}&strict=true`);
        expect({ status: res.status, cache: res.body.details?.cache }).toEqual({
          status: 200,
          cache: expect.objectContaining({ status: 'up', circuit: 'closed' }),
        });
        expect(res.body.details.cache.degraded).toBeUndefined();
      },
    );

    it('a hanging store answers within the timeout, strict and not, and concurrently', async () => {
      store.mode = 'hanging';
      const started = Date.now();
      const answers = await Promise.all([
        ...Array.from({ length: 10 }, () => ctx.http().get('/health?timeout=50')),
        ctx.http().get('/health?timeout=50&strict=true'),
      ]);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(answers.map((res) => res.status)).toEqual([...Array(10).fill(200), 503]);
      expect(answers[0].body.details.cache).toMatchObject({ status: 'up', degraded: true });
    });

    it('a store that rejects after the timeout raises no unhandled rejection', async () => {
      const watch = watchUnhandledRejections();
      try {
        store.mode = 'late-reject';
        const res = await ctx.http().get('/health?timeout=20').expect(200);
        expect(res.body.details.cache.degraded).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(watch.reasons).toEqual([]);
      } finally {
        watch.stop();
      }
    });

    it.each(['throw-undefined', 'throw-string'] as const)(
      'a store that fails with %s is degraded (not strict) and down (strict), with a message',
      async (mode) => {
        store.mode = mode;
        const soft = await ctx.http().get('/health?timeout=100').expect(200);
        expect(soft.body.details.cache).toMatchObject({ status: 'up', degraded: true });
        expect(soft.body.details.cache.message).toEqual(expect.any(String));
        const strict = await ctx.http().get('/health?timeout=100&strict=true').expect(503);
        expect(strict.body.error.cache).toMatchObject({ status: 'down' });
      },
    );
  },
);
