import { Controller, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { CacheHealthIndicator, CacheModule, MemoryStore } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

/** A store that fails or hangs on demand. */
class SwitchableStore extends MemoryStore {
  mode: 'up' | 'failing' | 'hanging' = 'up';

  override get(key: string): string | undefined {
    if (this.mode === 'failing') throw new Error('store down');
    // A read that never answers (typed as the memory store's synchronous answer).
    if (this.mode === 'hanging') return new Promise(() => undefined) as never;
    return super.get(key);
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
  check() {
    return this.health.check([() => this.cache.isHealthy('cache', { timeout: 100 })]);
  }

  @Get('strict')
  @HealthCheck()
  strict() {
    return this.health.check([() => this.cache.isHealthy('cache', { timeout: 100, strict: true })]);
  }
}

function appModule(store: SwitchableStore) {
  @Module({
    imports: [TerminusModule.forRoot({ logger: false }), CacheModule.forRoot({ store })],
    controllers: [HealthController],
  })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('CacheHealthIndicator with Terminus 11 on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  const store = new SwitchableStore();

  beforeAll(async () => {
    ctx = await bootApp(platform, appModule(store));
  });
  afterAll(() => ctx.app.close());
  afterEach(() => (store.mode = 'up'));

  it('answers 200 up with the store, its latency and a closed circuit', async () => {
    const res = await ctx.http().get('/health').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details.cache).toMatchObject({
      status: 'up',
      store: 'memoryStore',
      circuit: 'closed',
    });
    expect(typeof res.body.details.cache.latencyMs).toBe('number');
    expect(res.body.details.cache.degraded).toBeUndefined();
    await ctx.http().get('/health/strict').expect(200);
  });

  it.each(['failing', 'hanging'] as const)(
    'answers 200 with degraded: true when the store is %s (not strict)',
    async (mode) => {
      store.mode = mode;
      const res = await ctx.http().get('/health').expect(200);
      expect(res.body.details.cache).toMatchObject({
        status: 'up',
        degraded: true,
        circuit: 'closed',
      });
      expect(res.body.details.cache.message).toEqual(expect.any(String));
    },
  );

  it.each(['failing', 'hanging'] as const)(
    'answers 503 down when the store is %s (strict)',
    async (mode) => {
      store.mode = mode;
      const res = await ctx.http().get('/health/strict').expect(503);
      expect(res.body.status).toBe('error');
      expect(res.body.error.cache).toMatchObject({ status: 'down', store: 'memoryStore' });
    },
  );
});

describe('CacheHealthIndicator strict mode as Terminus 10 sees it', () => {
  it('throws an error marked isHealthCheckError whose causes hold the down result', async () => {
    const store = new SwitchableStore();
    const ctx = await bootApp('express', appModule(store));
    store.mode = 'failing';
    const indicator = ctx.app.get(CacheHealthIndicator);
    const error = await indicator.isHealthy('redis-cache', { strict: true }).catch((e) => e);
    await ctx.app.close();
    expect(error).toBeInstanceOf(Error);
    expect(error.isHealthCheckError).toBe(true);
    expect(error.causes).toEqual({
      'redis-cache': expect.objectContaining({ status: 'down', circuit: 'closed' }),
    });
  });
});
