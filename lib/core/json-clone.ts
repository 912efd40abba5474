/**
 * Objects with more keys than this are copied by parsing instead: V8 keeps wide objects as
 * dictionaries, and building those key by key costs more than `JSON.parse` (measured: cloning is
 * about 4 times faster than parsing at 10 keys, even at 60, and twice slower at 500).
 */
export const MAX_CLONE_WIDTH = 64;

/** Probes whether `Object.prototype` carries enumerable properties (`for…in` would copy them). */
const PROBE: object = Object.freeze({});

/**
 * True when `value` (what `JSON.parse` returned) is worth cloning rather than parsing again: no
 * object in it is wider than `MAX_CLONE_WIDTH`. A value nesting deeper than the stack is not.
 */
export function isCloneable(value: unknown): boolean {
  try {
    return narrow(value);
  } catch {
    return false;
  }
}

function narrow(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!narrow(value[i])) return false;
    return true;
  }
  let width = 0;
  for (const key in value) {
    if (++width > MAX_CLONE_WIDTH) return false;
    if (!narrow((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * A deep copy of plain JSON data (what `JSON.parse` returns: plain objects, arrays, strings,
 * numbers, booleans, `null`), equal to parsing its JSON again — own enumerable data properties in
 * the same order, a `__proto__` key as an own property — at a fraction of the cost. `undefined`
 * when it cannot clone faithfully (`Object.prototype` has enumerable properties, or the value
 * nests deeper than the stack): the caller parses instead.
 */
export function cloneJson<T>(value: T): T | undefined {
  for (const _ in PROBE) return undefined;
  try {
    return copy(value) as T;
  } catch {
    return undefined;
  }
}

function copy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(copy(value[i]));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const item = copy((value as Record<string, unknown>)[key]);
    if (key === '__proto__') {
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
