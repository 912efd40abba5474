import { Controller, Get, Module, Param } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { Cached, CacheModule } from 'nestjs-cached';
import { bootApp } from '../helpers/platforms';

@Controller('t')
class TelemetryController {
  @Get(':id')
  @Cached()
  one(@Param('id') id: string) {
    return { id };
  }
}

@Module({
  imports: [CacheModule.forRoot({ namespace: 'otel', metrics: { openTelemetry: true } })],
  controllers: [TelemetryController],
})
class AppModule {}

describe('OpenTelemetry metrics', () => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let reader: PeriodicExportingMetricReader;

  beforeAll(async () => {
    // The app boots before the SDK registers its provider: the meter is fetched lazily.
    ctx = await bootApp('express', AppModule);
    reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    });
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  });
  afterAll(async () => {
    await ctx.app.close();
    await reader.shutdown();
    metrics.disable();
  });

  /** The data points of one instrument on meter `nestjs-cached`, once it reports. */
  async function points(name: string): Promise<DataPoint<number>[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { resourceMetrics } = await reader.collect();
      const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === 'nestjs-cached');
      const metric = scope?.metrics.find((m) => m.descriptor.name === name);
      if (metric) return metric.dataPoints as DataPoint<number>[];
      if (Date.now() > deadline) throw new Error(`${name} never reported`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('reports cache.lookups with result, source, kind and namespace attributes', async () => {
    await ctx.http().get('/t/1').expect(200);
    await ctx.http().get('/t/1').expect('X-Cache', 'HIT');
    await ctx.http().get('/t/1').expect('X-Cache', 'HIT');
    const lookups = await points('cache.lookups');
    const of = (result: string) =>
      lookups.find(
        (p) =>
          p.attributes['cache.result'] === result &&
          p.attributes['cache.source'] === 'TelemetryController.one',
      );
    expect(of('hit')?.value).toBe(2);
    expect(of('miss')?.value).toBe(1);
    expect(of('hit')?.attributes).toEqual({
      'cache.namespace': 'otel',
      'cache.source': 'TelemetryController.one',
      'cache.kind': 'http',
      'cache.result': 'hit',
    });
    const writes = await points('cache.writes');
    expect(
      writes.find((p) => p.attributes['cache.source'] === 'TelemetryController.one')?.value,
    ).toBe(1);
    const circuit = await points('cache.circuit.state');
    expect(circuit[0]).toMatchObject({
      value: 0,
      attributes: { 'cache.namespace': 'otel', 'cache.store': 'memoryStore' },
    });
  });
});
