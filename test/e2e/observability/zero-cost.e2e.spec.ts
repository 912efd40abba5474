import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { metrics } from '@opentelemetry/api';
import diagnostics from 'node:diagnostics_channel';
import { Counter, Gauge, Registry } from 'prom-client';
import { Cached, CacheModule, CacheModuleOptions, OPERATION_CHANNEL } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

@Injectable()
class Numbers {
  @Cached()
  async one(): Promise<number> {
    return 1;
  }
}

@Controller('z')
class ZeroController {
  constructor(private readonly numbers: Numbers) {}

  @Get()
  @Cached()
  get() {
    return { zero: true };
  }

  @Get('method')
  async method() {
    return { one: await this.numbers.one() };
  }
}

function appModule(options: CacheModuleOptions) {
  @Module({
    imports: [EventEmitterModule.forRoot({ wildcard: true }), CacheModule.forRoot(options)],
    controllers: [ZeroController],
    providers: [Numbers],
  })
  class AppModule {}
  return AppModule;
}

/** Spies on every entry point of the optional integrations. */
function spyAll() {
  const tracing = diagnostics.tracingChannel(OPERATION_CHANNEL);
  return [
    jest.spyOn(Counter.prototype, 'incWithoutExemplar' as never),
    jest.spyOn(Gauge.prototype, 'set'),
    jest.spyOn(Registry.prototype, 'getSingleMetric'),
    jest.spyOn(metrics, 'getMeter'),
    jest.spyOn(metrics, 'getMeterProvider'),
    jest.spyOn(EventEmitter2.prototype, 'emitAsync'),
    jest.spyOn(EventEmitter2.prototype, 'hasListeners'),
    jest.spyOn(tracing.start, 'publish'),
    jest.spyOn(tracing.start, 'runStores'),
    jest.spyOn(tracing.end, 'publish'),
  ];
}

describe.each(PLATFORMS)('zero cost on %s', (platform: Platform) => {
  afterEach(() => jest.restoreAllMocks());

  it('with nothing configured, hits make no call into prom-client, OTel, the emitter or the channel', async () => {
    const ctx = await bootApp(platform, appModule({}));
    await ctx.http().get('/z').expect(200);
    await ctx.http().get('/z/method').expect(200);
    const spies = spyAll();
    await ctx.http().get('/z').expect('X-Cache', 'HIT');
    await ctx.http().get('/z/method').expect(200);
    await ctx.app.close();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('(control) the same spies see the calls when events are on and a tracer subscribes', async () => {
    const ctx = await bootApp(platform, appModule({ events: true }));
    const emitter = ctx.app.get(EventEmitter2);
    emitter.on('cache.hit', () => undefined);
    const tracing = diagnostics.tracingChannel(OPERATION_CHANNEL);
    const handlers = { start: () => undefined };
    tracing.subscribe(handlers as never);
    await ctx.http().get('/z').expect(200);
    const [, , , , , emit, hasListeners, publish, runStores] = spyAll();
    await ctx.http().get('/z').expect('X-Cache', 'HIT');
    tracing.unsubscribe(handlers as never);
    await ctx.app.close();
    expect(emit).toHaveBeenCalledWith('cache.hit', expect.anything());
    expect(hasListeners).toHaveBeenCalled();
    expect(runStores.mock.calls.length + publish.mock.calls.length).toBeGreaterThan(0);
  });

  it('with Prometheus on, a request makes no call into prom-client; a scrape reads the counters', async () => {
    const registry = new Registry();
    const ctx = await bootApp(platform, appModule({ metrics: { prometheus: { registry } } }));
    await ctx.http().get('/z').expect(200);
    const reset = jest.spyOn(Counter.prototype, 'reset');
    await ctx.http().get('/z').expect('X-Cache', 'HIT');
    await ctx.http().get('/z').expect('X-Cache', 'HIT');
    expect(reset).not.toHaveBeenCalled();
    const text = await registry.metrics();
    expect(reset).toHaveBeenCalled();
    expect(text).toContain(
      'nestjs_cached_lookups_total{namespace="cache",source="ZeroController.get",kind="http",result="hit"} 2',
    );
    await ctx.app.close();
    // The app's metrics leave the registry with it.
    expect(registry.getSingleMetric('nestjs_cached_lookups_total')).toBeUndefined();
  });
});
