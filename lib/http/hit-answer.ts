import { CacheEntry } from '../core/cache-entry';
import { HttpResponseLike } from './http-response';

export type CacheLabel = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

/**
 * The headers the cache adds to every answer from an entry (`X-Cache`, `Age`), on the standard
 * path and the fast path alike: headers a hit carries are added here, once for both.
 */
export function labelHit(
  res: HttpResponseLike,
  entry: CacheEntry,
  label: CacheLabel,
  xCacheHeader: string | false,
): void {
  if (xCacheHeader !== false) res.header(xCacheHeader, label);
  res.header('Age', String(Math.max(0, Math.floor((Date.now() - entry.createdAt) / 1000))));
}
