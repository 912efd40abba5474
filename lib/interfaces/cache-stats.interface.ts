import type { SourceStats } from '../core/source.counter';

export type { NotStoredReason, SourceKind, SourceStats } from '../core/source.counter';

/** Counters since the application started, from `CacheService.stats()`. */
export interface CacheStats {
  /** Fresh entries served. */
  hits: number;
  /** Reads that found nothing usable and ran the handler or method. */
  misses: number;
  /** Stale entries served (stale-while-revalidate or stale-if-error). */
  staleHits: number;
  /** Requests or calls that skipped the cache (condition, privacy, key factory). */
  bypasses: number;
  /** Store calls that failed or timed out. */
  errors: number;
  /** Callers that shared another caller's computation instead of running their own. */
  coalesced: number;
  /** Entries written. */
  sets: number;
  /** Keys deleted. */
  deletes: number;
  /**
   * With `stats({ bySource: true })`: the same figures per cached handler, method or resolver, by
   * its implicit tag (`Controller.handler`, `Class.method`, `Type.field`; `CacheService` for its
   * own calls), with why responses were not stored.
   */
  sources?: Record<string, SourceStats>;
}

/** Options of `CacheService.stats()`. */
export interface CacheStatsOptions {
  /** Adds `sources`, the breakdown by handler, method or resolver. @default false */
  bySource?: boolean;
}
