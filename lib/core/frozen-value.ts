import { CacheEntry } from './cache-entry';
import { tryDeserialize, UNDECODABLE } from './value.serializer';

/** Format letter of a plain JSON payload (`value.serializer.ts`): the only kind that is frozen. */
const PLAIN = 106; /* j */

/** An entry as the reader memoizes it, with the one frozen value all hits share. */
type Memo = CacheEntry & { frozen?: unknown };

/**
 * The value of `entry` for `values: 'frozen'`: decoded once, deep-frozen, and shared by every hit
 * of this entry object (the reader memoizes entries an in-process store hands back), so a hit
 * costs no parse and no copy. A write to it throws in strict mode and never reaches the cache.
 * Values that freezing cannot protect (`Date`, `Map`, `Set`, `Buffer` keep mutating methods) are
 * decoded as a fresh copy per hit instead, as without the option.
 */
export function frozenValue<T>(entry: CacheEntry): T | typeof UNDECODABLE {
  const memo = entry as Memo;
  if ('frozen' in memo) return memo.frozen as T;
  const value = tryDeserialize<T>(entry.payload);
  if (value === UNDECODABLE || entry.payload.charCodeAt(0) !== PLAIN) return value;
  memo.frozen = deepFreeze(value);
  return memo.frozen as T;
}

/** Freezes plain JSON data (objects, arrays) all the way down. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
  } else {
    for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
