import { CacheStats } from '../interfaces/cache-stats.interface';
import { CacheObserver, InvalidationKind, StoreErrorReason } from './cache-observer.interface';
import { SourceCounter, SourceKind, SourceStats } from './source.counter';

/**
 * Mutable counters behind `CacheService.stats()`, and the registry of per-source counters:
 * `source(name, kind)` allocates one at bootstrap (explorers, resolvers, gateways call it once per
 * decorated handler) and the flows bump its fields on each request.
 */
export class StatsCounter implements CacheStats {
  hits = 0;
  misses = 0;
  staleHits = 0;
  bypasses = 0;
  errors = 0;
  coalesced = 0;
  sets = 0;
  deletes = 0;
  /** Store failures by reason (they add up to `errors`). */
  readonly storeErrors: Record<StoreErrorReason, number> = { timeout: 0, damaged: 0, error: 0 };
  /** Keys deleted, tags invalidated and namespace clears. */
  readonly invalidations: Record<InvalidationKind, number> = { key: 0, tag: 0, clear: 0 };
  /** Set when something listens (`events: true`); undefined otherwise, so nothing is built. */
  observer: CacheObserver | undefined = undefined;
  private readonly bySource = new Map<string, SourceCounter>();

  /**
   * The counter of `name` (its implicit tag), allocated on first call; later calls with the same
   * name get the same counter. Call it at bootstrap and keep it in the handler's plan.
   * @example
   * const counter = engine.stats.source('Query.product', 'graphql');
   * counter.hit(key); // per request
   */
  source(name: string, kind: SourceKind): SourceCounter {
    let counter = this.bySource.get(name);
    if (counter === undefined) {
      counter = new SourceCounter(name, kind, this);
      this.bySource.set(name, counter);
    }
    return counter;
  }

  /** Every registered source counter (what metrics read at scrape time). */
  allSources(): IterableIterator<SourceCounter> {
    return this.bySource.values();
  }

  /** Counts a failed store call (see `GuardedStore`). */
  storeFailed(operation: string, reason: StoreErrorReason, error: unknown): void {
    this.errors++;
    this.storeErrors[reason]++;
    if (this.observer !== undefined) this.observer.storeError(operation, reason, error);
  }

  /** Counts an invalidation (see `CacheEngine`). */
  invalidated(kind: InvalidationKind, names: readonly string[]): void {
    this.invalidations[kind] += kind === 'clear' ? 1 : names.length;
    if (this.observer !== undefined) this.observer.invalidated(kind, names);
  }

  snapshot(bySource = false): CacheStats {
    const { hits, misses, staleHits, bypasses, errors, coalesced, sets, deletes } = this;
    const stats: CacheStats = {
      hits,
      misses,
      staleHits,
      bypasses,
      errors,
      coalesced,
      sets,
      deletes,
    };
    if (!bySource) return stats;
    const sources: Record<string, SourceStats> = {};
    for (const counter of this.bySource.values()) sources[counter.source] = counter.snapshot();
    return { ...stats, sources };
  }
}
