import type { LookupResult, NotStoredReason, SourceCounter } from './source.counter';

/** What an invalidation removed: keys, tags, or the whole namespace. */
export type InvalidationKind = 'key' | 'tag' | 'clear';

/**
 * Told of what the cache does, as it happens. None is set by default (every counter checks for
 * one before building anything); `events: true` sets one that emits Nest events. Metrics do not
 * need one: they read the counters when scraped.
 */
export interface CacheObserver {
  /** `createdAt`: when the entry served was written (hits and stale hits). */
  lookup(source: SourceCounter, result: LookupResult, key?: string, createdAt?: number): void;
  stored(source: SourceCounter, key?: string): void;
  notStored(source: SourceCounter, reason: NotStoredReason, key?: string): void;
  /** `names` are the keys or tags invalidated (empty for `clear`). */
  invalidated(kind: InvalidationKind, names: readonly string[]): void;
  /** A store call failed or timed out (`operation`: get, set, delete, clear). */
  storeError(operation: string, reason: StoreErrorReason, error: unknown): void;
}

/** Why a store call counted as failed. */
export type StoreErrorReason = 'timeout' | 'damaged' | 'error';
