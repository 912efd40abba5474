import { CacheEngine } from '../core/cache.engine';
import { NOT_STORED_REASONS } from '../core/source.counter';
import { storeCircuit } from '../stores/store-capabilities';

/** One value of one metric, with its labels (never a key, a user or a tag value). */
export interface Figure {
  labels: Record<string, string>;
  value: number;
}

/** The figures every metrics backend reports, read from the counters when it asks. */
export interface CacheFigures {
  lookups: Figure[];
  writes: Figure[];
  notStored: Figure[];
  coalesced: Figure[];
  invalidations: Figure[];
  storeErrors: Figure[];
  circuit: Figure[];
}

const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** Reads the figures of the caches given (one per namespace; usually one). */
export function readFigures(engines: Iterable<CacheEngine>): CacheFigures {
  const out: CacheFigures = {
    lookups: [],
    writes: [],
    notStored: [],
    coalesced: [],
    invalidations: [],
    storeErrors: [],
    circuit: [],
  };
  for (const engine of engines) {
    const { namespace, stats } = engine;
    const store = engine.store.name;
    for (const counter of stats.allSources()) {
      const { source, kind } = counter;
      const lookup = (result: string, value: number) =>
        out.lookups.push({ labels: { namespace, source, kind, result }, value });
      lookup('hit', counter.hits);
      lookup('stale', counter.staleHits);
      lookup('miss', counter.misses);
      lookup('bypass', counter.bypasses);
      out.writes.push({ labels: { namespace, source }, value: counter.sets });
      out.coalesced.push({ labels: { namespace, source }, value: counter.coalesced });
      for (const reason of NOT_STORED_REASONS) {
        const value = counter.notStored[reason];
        if (value > 0) out.notStored.push({ labels: { namespace, source, reason }, value });
      }
    }
    for (const [kind, value] of Object.entries(stats.invalidations)) {
      out.invalidations.push({ labels: { namespace, kind }, value });
    }
    for (const [reason, value] of Object.entries(stats.storeErrors)) {
      out.storeErrors.push({ labels: { namespace, store, reason }, value });
    }
    const circuit = CIRCUIT_VALUE[storeCircuit(engine.store)];
    out.circuit.push({ labels: { namespace, store }, value: circuit });
  }
  return out;
}

/**
 * One figure per label set: caches reporting the same labels (two instances of one app in one
 * process, same namespace and sources) are added up, or for a gauge (the circuit) the worst wins.
 * OpenTelemetry keeps only the last observation of a label set, so it must get them merged.
 */
export function mergeFigures(figures: Figure[], gauge = false): Figure[] {
  if (figures.length < 2) return figures;
  const merged = new Map<string, Figure>();
  for (const figure of figures) {
    const id = JSON.stringify(figure.labels);
    const seen = merged.get(id);
    if (seen === undefined) merged.set(id, { labels: figure.labels, value: figure.value });
    else seen.value = gauge ? Math.max(seen.value, figure.value) : seen.value + figure.value;
  }
  return merged.size === figures.length ? figures : [...merged.values()];
}
