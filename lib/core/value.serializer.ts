import { NotStorableError } from '../errors/not-storable.error';

/**
 * Turns values into strings and back, by value: objects, arrays, `Date`, `Buffer`, `Map`, `Set`,
 * `BigInt`, `null`, non-finite numbers. Plain JSON data (the common case) is stored as JSON and
 * read back with a bare `JSON.parse`; anything richer uses a tagged form, decoded by a walk.
 * Functions, symbols and cycles are refused with `NotStorableError`.
 */
const PLAIN = 'j';
const TAGGED = 't';
const TAG = '$nc';

type Tagged = { [TAG]: string; v?: unknown };

export function serializeValue(value: unknown): string {
  return needsTags(value, new Set())
    ? TAGGED + JSON.stringify(encode(value, new Set()))
    : PLAIN + JSON.stringify(value);
}

export function deserializeValue<T = unknown>(text: string): T {
  const first = text.charCodeAt(0);
  // An HTTP entry that kept its handler's value before the body (`http/stored-response.ts`).
  if (first === 86 /* V */) {
    const colon = text.indexOf(':');
    return deserializeValue(text.slice(colon + 1, colon + 1 + Number(text.slice(1, colon))));
  }
  // A response body an HTTP route stored (`http/stored-response.ts`): text, or base64 bytes.
  if (first === 98 /* b */ || first === 112 /* p */) return text.slice(1) as T;
  if (first === 66 /* B */ || first === 80 /* P */)
    return Buffer.from(text.slice(1), 'base64') as T;
  const data = JSON.parse(text.slice(1));
  return (text.charCodeAt(0) === 116 /* t */ ? decode(data) : data) as T;
}

/** First letters of the payloads this serializer (and `http/stored-response.ts`) writes. */
const FORMATS: ReadonlySet<number> = new Set([106, 116, 98, 66, 112, 80, 86]);

/** What `tryDeserialize` gives for a payload that does not decode (truncated, damaged). */
export const UNDECODABLE: unique symbol = Symbol('nestjs-cached.undecodable');

/**
 * `deserializeValue` that never throws: `UNDECODABLE` for a payload that is not one this
 * serializer wrote (unknown format letter, broken JSON, a damaged tagged value).
 */
export function tryDeserialize<T = unknown>(text: unknown): T | typeof UNDECODABLE {
  if (typeof text !== 'string') return UNDECODABLE;
  if (!FORMATS.has(text.charCodeAt(0))) return UNDECODABLE;
  try {
    return deserializeValue<T>(text);
  } catch {
    return UNDECODABLE;
  }
}

/** Walks once: throws for what cannot be stored, tells whether plain JSON is faithful. */
function needsTags(value: unknown, seen: Set<object>): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return false;
    case 'number':
      return !Number.isFinite(value) || Object.is(value, -0);
    case 'bigint':
    case 'undefined':
      return true;
    case 'function':
      throw new NotStorableError('holds a function');
    case 'symbol':
      throw new NotStorableError('holds a symbol');
  }
  if (value === null) return false;
  const object = value as object;
  if (seen.has(object)) throw new NotStorableError('is circular');
  if (!isPlainContainer(object)) return checkSpecial(object, seen);
  seen.add(object);
  let tagged = false;
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) tagged = needsTags(object[i], seen) || tagged;
  } else {
    for (const key of Object.keys(object)) {
      const item = (object as Record<string, unknown>)[key];
      if (item === undefined) continue; // dropped, as JSON does
      tagged = needsTags(item, seen) || key === TAG || tagged;
    }
  }
  seen.delete(object);
  return tagged;
}

function checkSpecial(object: object, seen: Set<object>): boolean {
  if (object instanceof Map) {
    seen.add(object);
    for (const [k, v] of object) {
      needsTags(k, seen);
      needsTags(v, seen);
    }
    seen.delete(object);
  } else if (object instanceof Set) {
    seen.add(object);
    for (const v of object) needsTags(v, seen);
    seen.delete(object);
  }
  return true;
}

/** Arrays and objects whose JSON form is their own fields (no toJSON, no special class). */
function isPlainContainer(object: object): boolean {
  if (Array.isArray(object)) return true;
  if (
    object instanceof Date ||
    object instanceof Map ||
    object instanceof Set ||
    ArrayBuffer.isView(object)
  ) {
    return false;
  }
  return typeof (object as { toJSON?: unknown }).toJSON !== 'function';
}

function encode(value: unknown, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'bigint':
      return { [TAG]: 'BigInt', v: value.toString() };
    case 'undefined':
      return { [TAG]: 'undefined' };
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { [TAG]: 'Number', v: Object.is(value, -0) ? '-0' : String(value) };
    case 'object':
      return value === null ? null : encodeObject(value, seen);
    default:
      return value;
  }
}

function encodeObject(object: object, seen: Set<object>): unknown {
  if (object instanceof Date) return { [TAG]: 'Date', v: object.getTime() };
  if (Buffer.isBuffer(object)) return { [TAG]: 'Buffer', v: object.toString('base64') };
  if (ArrayBuffer.isView(object)) {
    const bytes = Buffer.from(object.buffer, object.byteOffset, object.byteLength);
    return { [TAG]: 'Bytes', v: bytes.toString('base64') };
  }
  if (object instanceof Map) {
    return { [TAG]: 'Map', v: [...object].map(([k, v]) => [encode(k, seen), encode(v, seen)]) };
  }
  if (object instanceof Set) return { [TAG]: 'Set', v: [...object].map((v) => encode(v, seen)) };
  if (Array.isArray(object)) return object.map((v) => encode(v, seen));
  const json = (object as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return encodeJson(object, json, seen);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const item = (object as Record<string, unknown>)[key];
    if (item !== undefined) setOwn(out, key, encode(item, seen));
  }
  return TAG in out ? { [TAG]: 'Object', v: out } : out;
}

/**
 * What `toJSON` returns is stored in its place; it is checked like any value, and `seen` holds
 * the objects whose `toJSON` is running, so a cycle through `toJSON` is refused, not a stack
 * overflow.
 */
function encodeJson(object: object, json: () => unknown, seen: Set<object>): unknown {
  if (seen.has(object)) throw new NotStorableError('is circular');
  seen.add(object);
  const out = json.call(object);
  needsTags(out, new Set());
  const encoded = encode(out, seen);
  seen.delete(object);
  return encoded;
}

/**
 * `out[key] = value`, except that a key named `__proto__` becomes an own field (as `JSON.parse`
 * makes it) instead of replacing the object's prototype.
 */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    out[key] = value;
  }
}

function decode(data: unknown): unknown {
  if (data === null || typeof data !== 'object') return data;
  if (Array.isArray(data)) return data.map(decode);
  const tag = (data as Tagged)[TAG];
  if (tag === undefined) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(data)) {
      setOwn(out, key, decode((data as Record<string, unknown>)[key]));
    }
    return out;
  }
  const v = (data as Tagged).v;
  switch (tag) {
    case 'BigInt':
      return BigInt(v as string);
    case 'undefined':
      return undefined;
    case 'Number':
      return Number(v);
    case 'Date':
      return new Date(v as number);
    case 'Buffer':
      return Buffer.from(v as string, 'base64');
    case 'Bytes':
      return new Uint8Array(Buffer.from(v as string, 'base64'));
    case 'Map':
      return new Map((v as [unknown, unknown][]).map(([k, x]) => [decode(k), decode(x)]));
    case 'Set':
      return new Set((v as unknown[]).map(decode));
    default: {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v as object)) setOwn(out, key, decode(item));
      return out;
    }
  }
}
