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
}
