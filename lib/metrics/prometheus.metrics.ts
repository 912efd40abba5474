import type * as PromClient from 'prom-client';
import { CacheEngine } from '../core/cache.engine';
import { PrometheusRegistryLike } from '../interfaces/cache-metrics-options.interface';
import { CacheFigures, Figure, mergeFigures, readFigures } from './cache-figures';
import { loadOptional } from './optional-package';

type Registry = PromClient.Registry;

/** The metrics of one registry and prefix, shared by every cache (namespace) bound to it. */
interface Binding {
  engines: Set<CacheEngine>;
  names: string[];
}

const bindings = new WeakMap<object, Map<string, Binding>>();

interface MetricSpec {
  name: string;
  help: string;
  labels: string[];
  gauge?: boolean;
  pick: (figures: CacheFigures) => Figure[];
}

const SPECS: MetricSpec[] = [
  {
    name: 'lookups_total',
    help: 'Cache lookups by cached source and result (hit, stale, miss, bypass).',
    labels: ['namespace', 'source', 'kind', 'result'],
    pick: (f) => f.lookups,
  },
  {
    name: 'writes_total',
    help: 'Entries written, by cached source.',
    labels: ['namespace', 'source'],
    pick: (f) => f.writes,
  },
  {
    name: 'not_stored_total',
    help: 'Responses or values computed but not stored, by cached source and reason.',
    labels: ['namespace', 'source', 'reason'],
    pick: (f) => f.notStored,
  },
  {
    name: 'coalesced_total',
    help: 'Callers that shared another caller’s computation, by cached source.',
    labels: ['namespace', 'source'],
    pick: (f) => f.coalesced,
  },
  {
    name: 'invalidations_total',
    help: 'Invalidations: keys deleted, tags invalidated, namespace clears.',
    labels: ['namespace', 'kind'],
    pick: (f) => f.invalidations,
  },
  {
    name: 'store_errors_total',
    help: 'Store calls that failed, by reason (timeout, damaged, error).',
    labels: ['namespace', 'store', 'reason'],
    pick: (f) => f.storeErrors,
  },
  {
    name: 'circuit_state',
    help: 'Circuit breaker state of the store: 0 closed, 1 half-open, 2 open.',
    labels: ['namespace', 'store'],
    gauge: true,
    pick: (f) => f.circuit,
  },
];

/**
 * Binds a cache's counters to Prometheus metrics. Nothing is called per request: each metric's
 * `collect()` reads the counters when the registry is scraped. Two caches (namespaces) on one
 * registry share its metrics; `unbind` (at application shutdown) removes them with the last one.
 */
export async function bindPrometheus(
  engine: CacheEngine,
  registryOption: PrometheusRegistryLike | undefined,
  prefix: string,
): Promise<() => void> {
  const client = await loadOptional(
    () => import('prom-client'),
    'prom-client',
    'metrics.prometheus',
  );
  const registry = (registryOption as Registry | undefined) ?? client.register;
  let byPrefix = bindings.get(registry);
  if (byPrefix === undefined) bindings.set(registry, (byPrefix = new Map()));
  let binding = byPrefix.get(prefix);
  // Metrics removed behind our back (`register.clear()` between tests) are registered again.
  if (binding === undefined || binding.names.some((name) => !registry.getSingleMetric(name))) {
    const engines = binding?.engines ?? new Set<CacheEngine>();
    binding = createMetrics(client, registry, prefix, engines);
    byPrefix.set(prefix, binding);
  }
  const bound = binding;
  bound.engines.add(engine);
  return () => {
    bound.engines.delete(engine);
    if (bound.engines.size > 0) return;
    for (const name of bound.names) registry.removeSingleMetric(name);
    byPrefix.delete(prefix);
  };
}

function createMetrics(
  client: typeof PromClient,
  registry: Registry,
  prefix: string,
  engines: Set<CacheEngine>,
): Binding {
  const binding: Binding = { engines, names: [] };
  // The counters are read when scraped: a few hundred plain fields, no work per request.
  const figures = () => readFigures(binding.engines);
  for (const spec of SPECS) {
    const name = prefix + spec.name;
    // A metric left by an app that did not shut down (tests) is replaced, not duplicated.
    if (registry.getSingleMetric(name) !== undefined) registry.removeSingleMetric(name);
    const config = { name, help: spec.help, labelNames: spec.labels, registers: [registry] };
    if (spec.gauge) {
      new client.Gauge({
        ...config,
        collect() {
          this.reset();
          for (const { labels, value } of mergeFigures(spec.pick(figures()), true)) {
            this.set(labels, value);
          }
        },
      });
    } else {
      new client.Counter({
        ...config,
        collect() {
          this.reset();
          for (const { labels, value } of spec.pick(figures())) this.inc(labels, value);
        },
      });
    }
    binding.names.push(name);
  }
  return binding;
}
