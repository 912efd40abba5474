import { Module } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';

/**
 * Two instances of one app in one process (a multi-tenant server, a blue/green swap, tests): the
 * same namespace and the same sources. Prometheus adds their figures; OpenTelemetry must agree.
 */
function appModule(registry: Registry) {
  @Module({
    imports: [
      CacheModule.forRoot({
        namespace: 'twin',
        metrics: { openTelemetry: true, prometheus: { registry } },
      }),
    ],
  })
  class AppModule {}
  return AppModule;
}

describe('two instances of one app reporting to one OpenTelemetry SDK', () => {
  let reader: PeriodicExportingMetricReader;

  beforeAll(() => {
    reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    });
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  });
  afterAll(async () => {
    await reader.shutdown();
    metrics.disable();
  });

  async function hits(): Promise<number | undefined> {
    const { resourceMetrics } = await reader.collect();
    const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === 'nestjs-cached');
    const lookups = scope?.metrics.find((m) => m.descriptor.name === 'cache.lookups');
    const point = (lookups?.dataPoints as DataPoint<number>[] | undefined)?.find(
      (p) => p.attributes['cache.result'] === 'hit' && p.attributes['cache.namespace'] === 'twin',
    );
    return point?.value;
  }

  it('reports the sum of both, as Prometheus does', async () => {
    const registry = new Registry();
    const one = await bootContext(appModule(registry));
    const two = await bootContext(appModule(registry));
    try {
      for (const [app, n] of [
        [one.app, 2],
        [two.app, 3],
      ] as const) {
        await app.get(CacheService).set('k', 1);
        for (let i = 0; i < n; i++) await app.get(CacheService).get('k');
      }
      const text = await registry.metrics();
      expect(text).toContain(
        'nestjs_cached_lookups_total{namespace="twin",source="CacheService",kind="service",result="hit"} 5',
      );
      expect(await hits()).toBe(5);
    } finally {
      await one.app.close();
      await two.app.close();
    }
  });

  it('an app booted after the others closed reports again, from its own counts', async () => {
    const registry = new Registry();
    const first = await bootContext(appModule(registry));
    await first.app.close();
    const next = await bootContext(appModule(registry));
    try {
      await next.app.get(CacheService).set('k', 1);
      for (let i = 0; i < 4; i++) await next.app.get(CacheService).get('k');
      expect(await hits()).toBe(4);
    } finally {
      await next.app.close();
    }
  });
});
