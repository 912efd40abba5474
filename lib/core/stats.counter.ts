import { CacheStats } from '../interfaces/cache-stats.interface';

/** Mutable counters behind `CacheService.stats()`. */
export class StatsCounter implements CacheStats {
  hits = 0;
  misses = 0;
  staleHits = 0;
  bypasses = 0;
  errors = 0;
  coalesced = 0;
  sets = 0;
  deletes = 0;

  snapshot(): CacheStats {
    const { hits, misses, staleHits, bypasses, errors, coalesced, sets, deletes } = this;
    return { hits, misses, staleHits, bypasses, errors, coalesced, sets, deletes };
  }
}
