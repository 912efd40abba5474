/**
 * A prom-client `Registry` (typed by shape, so this package's types never need prom-client).
 * @example
 * import { Registry } from 'prom-client';
 * CacheModule.forRoot({ metrics: { prometheus: { registry: new Registry() } } });
 */
export interface PrometheusRegistryLike {
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
  metrics(): Promise<string>;
}

/**
 * Metrics of `CacheModule.forRoot({ metrics })`, read from the cache's counters when scraped.
 * @example
 * CacheModule.forRoot({ metrics: { prometheus: true, openTelemetry: true } })
 */
export interface CacheMetricsOptions {
  /**
   * Prometheus metrics through `prom-client` (an optional peer: `npm i prom-client`): `true` for
   * its default registry, or a registry and a metric name prefix.
   * @default false (prefix 'nestjs_cached_', registry prom-client's default `register`)
   */
  prometheus?: boolean | { registry?: PrometheusRegistryLike; prefix?: string };
  /**
   * OpenTelemetry observable instruments on meter `nestjs-cached` (`@opentelemetry/api`, an
   * optional peer), bound to the global meter provider once it is registered.
   * @default false
   */
  openTelemetry?: boolean;
}

/** Metrics options after validation. */
export interface ResolvedMetricsOptions {
  prometheus?: { registry?: PrometheusRegistryLike; prefix: string };
  openTelemetry: boolean;
}
