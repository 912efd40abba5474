/**
 * Objects with more keys than this are copied by parsing instead: V8 keeps wide objects as
 * dictionaries, and building those key by key costs more than `JSON.parse` (measured: cloning is
 * about 4 times faster than parsing at 10 keys, even at 60, and twice slower at 500).
 */
export const MAX_CLONE_WIDTH = 64;

/** Probes whether `Object.prototype` carries enumerable properties (`for…in` would copy them). */
const PROBE: object = Object.freeze({});
const OBJECT_PROTOTYPE: object = Object.prototype;
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Bytes the heap spends on decoded plain JSON, per part (64-bit V8, a generous model): an object
 * and its in-object fields, an array and its element store, a heap number, a string. Distinct key
 * names (internalized strings and the hidden classes they bring) are shared by every value of the
 * same shape, so only those beyond `SHARED_KEYS` per value are counted.
 */
const OBJECT_BYTES = 32;
const FIELD_BYTES = 8;
const ARRAY_BYTES = 48;
const NUMBER_BYTES = 16;
const STRING_BYTES = 24;
const KEY_BYTES = 128;
const SHARED_KEYS = 64;

/** What `narrow` collects while it walks a value. */
interface Walk {
  readonly keys: Set<string>;
  /** Modelled heap bytes so far. */
  bytes: number;
}

/**
 * The distinct keys of the objects in `value` (what `JSON.parse` returned), when it is worth
 * cloning rather than parsing again: no object in it is wider than `MAX_CLONE_WIDTH`, and its
 * modelled heap size stays within `maxBytes` (the memory the caller counted for keeping it).
 * `undefined` when it is not (too wide, too big, or nesting deeper than the stack). `cloneJson`
 * checks these keys against `Object.prototype` on every clone (see there).
 */
export function cloneKeys(value: unknown, maxBytes = Infinity): string[] | undefined {
  const walk: Walk = { keys: new Set<string>(), bytes: 0 };
  try {
    if (!narrow(value, walk)) return undefined;
  } catch {
    return undefined;
  }
  let bytes = walk.bytes;
  if (walk.keys.size > SHARED_KEYS) {
    let extra = 0;
    for (const key of walk.keys) extra += KEY_BYTES + key.length * 2;
    bytes += extra * (1 - SHARED_KEYS / walk.keys.size);
  }
  return bytes <= maxBytes ? Array.from(walk.keys) : undefined;
}

/** True when `value` is worth cloning rather than parsing again (see `cloneKeys`). */
export function isCloneable(value: unknown): boolean {
  return cloneKeys(value) !== undefined;
}

function narrow(value: unknown, walk: Walk): boolean {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') walk.bytes += STRING_BYTES + value.length * 2;
    else if (typeof value === 'number' && (value | 0) !== value) walk.bytes += NUMBER_BYTES;
    return true;
  }
  if (Array.isArray(value)) {
    walk.bytes += ARRAY_BYTES + value.length * FIELD_BYTES;
    for (let i = 0; i < value.length; i++) if (!narrow(value[i], walk)) return false;
    return true;
  }
  let width = 0;
  walk.bytes += OBJECT_BYTES;
  for (const key in value) {
    if (!hasOwn.call(value, key)) continue;
    if (++width > MAX_CLONE_WIDTH) return false;
    walk.keys.add(key);
    walk.bytes += FIELD_BYTES;
    if (!narrow((value as Record<string, unknown>)[key], walk)) return false;
  }
  return true;
}

/**
 * A deep copy of plain JSON data (what `JSON.parse` returns: plain objects, arrays, strings,
 * numbers, booleans, `null`), equal to parsing its JSON again — own enumerable data properties in
 * the same order, a `__proto__` key as an own property — at a fraction of the cost. `undefined`
 * when it cannot clone faithfully (`Object.prototype` has enumerable properties, or the value
 * nests deeper than the stack): the caller parses instead.
 *
 * A key that `Object.prototype` has too (`__proto__`, or an accessor an app or a library such as
 * should.js put there) must be defined, not assigned: assigning would call the prototype's setter
 * and leave the key out. With `keys` (`cloneKeys` of `value`), only values holding such a key pay
 * for checking each key; without it, every key is checked.
 */
export function cloneJson<T>(value: T, keys?: readonly string[]): T | undefined {
  for (const _ in PROBE) return undefined;
  let exact = keys === undefined;
  if (keys !== undefined) {
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] in OBJECT_PROTOTYPE) {
        exact = true;
        break;
      }
    }
  }
  try {
    return (exact ? copyExact(value) : copy(value)) as T;
  } catch {
    return undefined;
  }
}

/** `copy` of a value none of whose keys `Object.prototype` has: plain assignments. */
function copy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(copy(value[i]));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = copy((value as Record<string, unknown>)[key]);
  return out;
}

/** A copy that defines the keys `Object.prototype` has (`__proto__`, accessors) on the copy. */
function copyExact(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(copyExact(value[i]));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const item = copyExact((value as Record<string, unknown>)[key]);
    if (key in out) {
      Object.defineProperty(out, key, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      out[key] = item;
    }
  }
  return out;
}
