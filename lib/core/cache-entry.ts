/** HTTP facts replayed on a hit: the status and the headers the handler set. */
export interface ResponseMeta {
  status: number;
  headers: Record<string, string | string[]>;
}

/**
 * One stored entry. Stores keep it as a string (see `entry.codec.ts`): a one-line JSON header
 * (times, tag versions, HTTP facts) and the serialized value, decoded only when the header says
 * the entry is still good.
 */
export interface CacheEntry {
  /** The serialized value (`value.serializer.ts`). */
  payload: string;
  createdAt: number;
  /** Epoch ms after which the entry is stale; `Infinity` never. */
  freshUntil: number;
  /** Epoch ms after which a stale entry may no longer be served; `>= freshUntil`. */
  staleUntil: number;
  /** Tag names and, at the same index, the tag version the value was computed under. */
  tags: string[];
  tagVersions: string[];
  /** The store keys of `tags`' versions, filled in by the reader that first needs them. */
  tagKeys?: string[];
  meta?: ResponseMeta;
  /** The full key, kept when the store key is a hash of it, to rule out a collision. */
  fullKey?: string;
}
