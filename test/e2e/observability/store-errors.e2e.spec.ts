import { Controller, Get, Module, Param } from '@nestjs/common';
import { Registry } from 'prom-client';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

@Controller('s')
class SlowStoreController {
  @Get(':id')
  @Cached()
  one(@Param('id') id: string) {
    return { id };
  }
}

/** A Keyv store adapter whose reads never answer and whose writes fail. */
const brokenAdapter = () => ({
  get: () => new Promise(() => undefined),
  set: () => Promise.reject(new Error('disk full')),
  delete: () => Promise.resolve(true),
  clear: () => Promise.resolve(),
});

function appModule(registry: Registry) {
  @Module({
    imports: [
      CacheModule.forRoot({
        store: brokenAdapter(),
        storeTimeout: 50,
        metrics: { prometheus: { registry } },
      }),
    ],
    controllers: [SlowStoreController],
  })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('store errors in figures on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  const registry = new Registry();

  beforeAll(async () => {
    ctx = await bootApp(platform, appModule(registry));
  });
  afterAll(() => ctx.app.close());

  it('counts timeouts and failures by reason, and against the route that met them', async () => {
    await ctx.http().get('/s/1').expect(200, { id: '1' });
    await ctx.http().get('/s/2').expect(200, { id: '2' });
    const cache = ctx.app.get(CacheService);
    const route = cache.stats({ bySource: true }).sources!['SlowStoreController.one'];
    // Each request: a read that timed out; the write that followed failed (reported later).
    expect(route.misses).toBe(2);
    expect(route.errors).toBeGreaterThanOrEqual(2);
    expect(route.sets).toBe(0);
    const text = await registry.metrics();
    const errors = (reason: string) =>
      Number(
        text
          .split('\n')
          .find(
            (line) =>
              line.startsWith(`nestjs_cached_store_errors_total{namespace="cache",store=`) &&
              line.includes(`reason="${reason}"`),
          )
          ?.split(' ')
          .pop(),
      );
    expect(errors('timeout')).toBeGreaterThanOrEqual(2);
    expect(errors('damaged')).toBe(0);
  });
});
