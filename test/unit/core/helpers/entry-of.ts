import { CacheEntry } from '../../../../lib/core/cache-entry';

/** A fresh, untagged entry holding `payload` (what an in-process store hands the reader). */
export const entryOf = (payload: string): CacheEntry => ({
  payload,
  createdAt: 0,
  freshUntil: Infinity,
  staleUntil: Infinity,
  tags: [],
  tagVersions: [],
});
