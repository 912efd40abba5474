import { CacheEntry } from './cache-entry';
import { cloneJson, cloneKeys } from './json-clone';
import { tryDeserialize, UNDECODABLE } from './value.serializer';

/** Format letter of a plain JSON payload (`value.serializer.ts`): the only kind that is frozen. */
const PLAIN = 106; /* j */

/**
 * Largest payload (characters) whose decoded value a memoized entry keeps for copies to be cloned
 * from; a larger one is parsed on every hit.
 */
export const MAX_TEMPLATE_PAYLOAD = 256 * 1024;

/**
 * Bytes per payload character counted for the decoded value kept for copies (typical JSON takes
 * about two): a value whose modelled heap size is larger (`cloneKeys`: long lists of tiny arrays
 * or objects, floats, many distinct key names) is not kept, and its copies are parsed.
 */
const TEMPLATE_BYTES_PER_CHAR = 4;
/** Plus this per kept value: a small value's few object and array headers outweigh its text. */
const TEMPLATE_BYTES_BASE = 256;

/**
 * What the decoded value kept for copies may cost (bytes), counted against the reader's bound
 * from the start; a value that would cost more is not kept.
 */
export function templateBytes(entry: CacheEntry): number {
  const payload = entry.payload;
  return payload.charCodeAt(0) === PLAIN && payload.length <= MAX_TEMPLATE_PAYLOAD
    ? payload.length * TEMPLATE_BYTES_PER_CHAR + TEMPLATE_BYTES_BASE
    : 0;
}

/** An entry as the reader memoizes it, with the one frozen value all hits share. */
type Memo = CacheEntry & {
  /** The decoded value, deep-frozen: what frozen hits share, and what copies are cloned from. */
  frozen?: unknown;
  /** Copies are clones of `frozen` (`true`), or parses of the payload (`false`). */
  cloneable?: boolean;
  /** The distinct keys of `frozen`'s objects (`cloneKeys`), when `cloneable`. */
  keys?: readonly string[];
  /** A copy was read once: the next copy builds the template. */
  readOnce?: true;
  /** The value nests too deeply to be frozen: decoded afresh on every hit. */
  unfreezable?: true;
};

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
  if (value === UNDECODABLE || entry.payload.charCodeAt(0) !== PLAIN || memo.unfreezable) {
    return value;
  }
  try {
    memo.frozen = deepFreeze(value);
  } catch {
    // Nests deeper than the stack lets it be walked: a fresh copy per hit, never half frozen.
    memo.unfreezable = true;
    return tryDeserialize<T>(entry.payload);
  }
  return memo.frozen as T;
}

/**
 * A fresh copy of `entry`'s value, the caller's own to mutate: what parsing the payload gives. A
 * memoized entry read a second time keeps its plain JSON value deep-frozen (the same one frozen
 * hits share) and later copies clone it, which costs a fraction of a `JSON.parse`; values with
 * very wide objects, payloads over `MAX_TEMPLATE_PAYLOAD` and tagged values (`Date`, `Map`, …)
 * are parsed on every hit.
 */
export function copiedValue<T>(entry: CacheEntry): T | typeof UNDECODABLE {
  const memo = entry as Memo;
  if (memo.cloneable === true) {
    const copy = cloneJson(memo.frozen as T, memo.keys);
    if (copy !== undefined) return copy;
  } else if (memo.cloneable === undefined && templated(memo)) {
    const shared = 'frozen' in memo;
    const value = frozenValue<T>(memo);
    if (value === UNDECODABLE) return value;
    // Never `value` itself: it is the shared frozen value (unless freezing failed).
    const keys = 'frozen' in memo ? cloneKeys(value, templateBytes(memo)) : undefined;
    memo.keys = keys;
    memo.cloneable = keys !== undefined;
    // Not kept for copies (too wide, or bigger than what was counted for it): let it go, unless
    // frozen hits share it (they kept it before copies looked at it, as they always have).
    if (keys === undefined && !shared) delete memo.frozen;
    const copy = keys !== undefined ? cloneJson(value, keys) : undefined;
    if (copy !== undefined) return copy;
  }
  return tryDeserialize<T>(entry.payload);
}

/** True when the template is due: plain JSON, small enough, and read once already. */
function templated(memo: Memo): boolean {
  if ('frozen' in memo) return true;
  const payload = memo.payload;
  if (payload.charCodeAt(0) !== PLAIN || payload.length > MAX_TEMPLATE_PAYLOAD) {
    memo.cloneable = false;
    return false;
  }
  if (memo.readOnce) return true;
  memo.readOnce = true;
  return false;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Freezes plain JSON data (objects, arrays) all the way down: its own properties only, never
 * what an enumerable property of `Object.prototype` holds (an app's object).
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
  } else {
    for (const key in value) {
      if (hasOwn.call(value, key)) deepFreeze((value as Record<string, unknown>)[key]);
    }
  }
  return value;
}
