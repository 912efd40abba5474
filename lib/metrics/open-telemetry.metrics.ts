import type * as OtelApi from '@opentelemetry/api';
import { CacheEngine } from '../core/cache.engine';
import { CacheFigures, Figure, mergeFigures, readFigures } from './cache-figures';
import { loadOptional } from './optional-package';

/** The meter every cache reports on. */
export const METER_NAME = 'nestjs-cached';

const ATTRIBUTE: Record<string, string> = {
  namespace: 'cache.namespace',
  source: 'cache.source',
  kind: 'cache.kind',
  result: 'cache.result',
  reason: 'cache.reason',
  store: 'cache.store',
};

interface InstrumentSpec {
  name: string;
  description: string;
  gauge?: boolean;
  pick: (figures: CacheFigures) => Figure[];
  /** Attribute names that differ from the shared map. */
  rename?: Record<string, string>;
}

const SPECS: InstrumentSpec[] = [
  { name: 'cache.lookups', description: 'Lookups by source and result', pick: (f) => f.lookups },
  { name: 'cache.writes', description: 'Entries written by source', pick: (f) => f.writes },
  {
    name: 'cache.not_stored',
    description: 'Computed but not stored, by source and reason',
    pick: (f) => f.notStored,
  },
  { name: 'cache.coalesced', description: 'Shared computations', pick: (f) => f.coalesced },
  {
    name: 'cache.invalidations',
    description: 'Keys deleted, tags invalidated, clears',
    pick: (f) => f.invalidations,
    rename: { kind: 'cache.invalidation.kind' },
  },
  {
    name: 'cache.store.errors',
    description: 'Failed store calls by reason',
    pick: (f) => f.storeErrors,
  },
  {
    name: 'cache.circuit.state',
    description: 'Store circuit breaker: 0 closed, 1 half-open, 2 open',
    gauge: true,
    pick: (f) => f.circuit,
  },
];

/**
 * Reports a cache's counters as OpenTelemetry observable instruments on meter `nestjs-cached`,
 * read when the SDK collects. The meter is taken from the global provider lazily: at application
 * bootstrap, or, while only the no-op provider is registered, as soon as an SDK registers one
 * (checked every second), so an SDK started after the app still gets the figures.
 */
export async function bindOpenTelemetry(engine: CacheEngine): Promise<() => void> {
  const api = await loadOptional(
    () => import('@opentelemetry/api'),
    '@opentelemetry/api',
    'metrics.openTelemetry',
  );
  let unbind: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const tryBind = (): boolean => {
    const meter = api.metrics.getMeter(METER_NAME);
    // The no-op provider hands out the API's one no-op meter (names may be minified: compare it).
    if (meter === api.createNoopMeter()) return false;
    unbind = observe(meter, engine);
    return true;
  };
  if (!tryBind()) {
    timer = setInterval(() => {
      if (tryBind()) clearInterval(timer);
    }, 1_000);
    timer.unref();
  }
  return () => {
    clearInterval(timer);
    unbind?.();
  };
}

/** The caches reporting on one meter: one set of instruments and one callback for them all. */
const bindings = new WeakMap<OtelApi.Meter, Set<CacheEngine>>();

function observe(meter: OtelApi.Meter, engine: CacheEngine): () => void {
  const bound = bindings.get(meter);
  if (bound !== undefined) {
    bound.add(engine);
    return () => bound.delete(engine);
  }
  const engines = new Set([engine]);
  bindings.set(meter, engines);
  const instruments = SPECS.map((spec) =>
    spec.gauge
      ? meter.createObservableGauge(spec.name, { description: spec.description })
      : meter.createObservableCounter(spec.name, { description: spec.description }),
  );
  const callback: OtelApi.BatchObservableCallback = (result) => {
    const figures = readFigures(engines);
    SPECS.forEach((spec, i) => {
      for (const { labels, value } of mergeFigures(spec.pick(figures), spec.gauge)) {
        result.observe(instruments[i], value, attributes(labels, spec.rename));
      }
    });
  };
  meter.addBatchObservableCallback(callback, instruments);
  return () => {
    engines.delete(engine);
    if (engines.size > 0) return;
    meter.removeBatchObservableCallback(callback, instruments);
    bindings.delete(meter);
  };
}

function attributes(labels: Record<string, string>, rename: Record<string, string> = {}) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) out[rename[name] ?? ATTRIBUTE[name]] = value;
  return out;
}
