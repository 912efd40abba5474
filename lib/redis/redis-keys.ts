import { clusterSlot } from './cluster-slot';

/** Characters a Redis key never holds as they are: `%` (the escape), hash-tag braces, spaces, breaks. */
const NEEDS_ESCAPE = /[%{}\s\p{Cc}]/u;
const ESCAPE_ALL = /[%{}\s\p{Cc}]/gu;

/**
 * The Redis key of a cache key. The cache lays out `<namespace>:<kind>:<rest>` (see
 * `core/store-keys.ts`); in Redis that becomes `<namespace>:<kind>:{<rest>}`, percent-encoded so it
 * holds no space, line break or brace of the user's, with the hash tag after the namespace prefix:
 * Redis Cluster spreads a namespace's keys over every slot. Encoding is one-to-one (`%` itself is
 * encoded), so two cache keys never share a Redis key.
 */
export function redisKey(key: string): string {
  const first = key.indexOf(':');
  const second = first < 0 ? -1 : key.indexOf(':', first + 1);
  if (second < 0) return `{${escapeKeyPart(key)}}`;
  return `${escapeKeyPart(key.slice(0, second + 1))}{${escapeKeyPart(key.slice(second + 1))}}`;
}

/**
 * The Redis key of the distributed lock of the cache key `key`: `<ns>:lock:<kind>:{<rest>}`. It
 * keeps the entry's hash tag, so on Cluster the lock lives in the entry's slot; no entry's Redis
 * key has this shape (theirs hold `{` right after the second `:`).
 */
export function lockKey(key: string): string {
  const entry = redisKey(key);
  const colon = entry.indexOf(':');
  return colon < 0 ? `lock:${entry}` : `${entry.slice(0, colon + 1)}lock:${entry.slice(colon + 1)}`;
}

export function escapeKeyPart(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, encodeURIComponent) : text;
}

/** A `SCAN MATCH` pattern for every Redis key written under the cache prefix `prefix`. */
export function scanPattern(prefix: string): string {
  return escapeKeyPart(prefix).replace(/[*?[\]\\]/g, '\\$&') + '*';
}

/** The namespace of a cache key (everything before its first `:`). */
export function namespaceOf(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? key : key.slice(0, colon);
}

/** The kind of a cache key: `e` (entry), `u` (per-user entry), `t` (tag version). */
export function kindOf(key: string): string {
  const first = key.indexOf(':');
  return first < 0 ? '' : key.slice(first + 1, key.indexOf(':', first + 1));
}

/** Redis keys grouped by Cluster slot, each with the positions they hold in the input. */
export function groupBySlot(keys: readonly string[]): { keys: string[]; at: number[] }[] {
  const groups = new Map<number, { keys: string[]; at: number[] }>();
  keys.forEach((key, i) => {
    const slot = clusterSlot(key);
    let group = groups.get(slot);
    if (group === undefined) groups.set(slot, (group = { keys: [], at: [] }));
    group.keys.push(key);
    group.at.push(i);
  });
  return [...groups.values()];
}

/** Splits a list into batches of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
