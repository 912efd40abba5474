/**
 * A deterministic text form of a value, for keys: object keys sorted; Date, Buffer, Map, Set and
 * BigInt written by value and tagged so that different types never print alike. Throws a
 * `TypeError` with a reason for functions, symbols and cycles.
 */
export function stableStringify(value: unknown, seen: Set<object> = new Set()): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'function':
      throw new TypeError('hold a function');
    case 'symbol':
      throw new TypeError('hold a symbol');
  }
  if (value === null) return 'null';
  const object = value as object;
  if (seen.has(object)) throw new TypeError('are circular');
  seen.add(object);
  try {
    return stringifyObject(object, seen);
  } finally {
    seen.delete(object);
  }
}

function stringifyObject(object: object, seen: Set<object>): string {
  const text = stringifyBuiltin(object, seen);
  if (text === undefined) return stringifyInstance(object, seen);
  // A subclass of Date, Map, Set… may hold state of its own: its fields are keyed too.
  const proto = Object.getPrototypeOf(object);
  const builtin = BUILTINS.find((type) => object instanceof type);
  if (builtin === undefined || proto === builtin.prototype) return text;
  const type = (proto.constructor as Function | undefined)?.name || 'Object';
  checkState(object, proto, type, builtin.prototype);
  return `${type}${stringifyFields(object, seen)}${text}`;
}

/** Types keyed by value; a Buffer counts as a Uint8Array view, whose class it is. */
const BUILTINS: Function[] = [Date, Map, Set, RegExp, Array];

function stringifyBuiltin(object: object, seen: Set<object>): string | undefined {
  if (object instanceof Date) return `Date(${object.getTime()})`;
  if (Buffer.isBuffer(object)) return `Buffer(${object.toString('base64')})`;
  if (ArrayBuffer.isView(object)) {
    const bytes = Buffer.from(object.buffer, object.byteOffset, object.byteLength);
    return `${object.constructor.name}(${bytes.toString('base64')})`;
  }
  if (Array.isArray(object)) return `[${object.map((v) => stableStringify(v, seen)).join(',')}]`;
  if (object instanceof Map) {
    const pairs = [...object].map(
      ([k, v]) => `${stableStringify(k, seen)}:${stableStringify(v, seen)}`,
    );
    return `Map{${pairs.sort().join(',')}}`;
  }
  if (object instanceof Set) {
    return `Set{${[...object]
      .map((v) => stableStringify(v, seen))
      .sort()
      .join(',')}}`;
  }
  if (object instanceof RegExp) return `RegExp(${String(object)})`;
  return undefined;
}

function stringifyInstance(object: object, seen: Set<object>): string {
  if (object instanceof Promise || object instanceof WeakMap || object instanceof WeakSet) {
    throw new TypeError(`hold a ${object.constructor.name}, which has no value to key by`);
  }
  const proto = Object.getPrototypeOf(object);
  // Plain objects, of any realm, have a prototype whose own prototype is null.
  if (proto === null || Object.getPrototypeOf(proto) === null) return stringifyFields(object, seen);
  const type = (proto.constructor as Function | undefined)?.name || 'Object';
  const toJSON = (object as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return `${type}(${stableStringify(toJSON.call(object), seen)})`;
  // No own fields and no toJSON: its state (private fields, native slots) is invisible, and two
  // different instances would print alike. Refusing it leaves the call uncached, never mixed up.
  if (Object.keys(object).length === 0) throw new TypeError(`hold an opaque ${type}`);
  // Getters usually front state the fields do not show (`#amount` behind `get amount()`), and a
  // non-enumerable field is state too: keyed by its public fields alone, Money(100) and
  // Money(5000) would share one entry.
  checkState(object, proto, type, Object.prototype);
  return type + stringifyFields(object, seen);
}

/** Throws unless an instance's own enumerable fields are all its state (see `hasAccessors`). */
function checkState(object: object, proto: object, type: string, base: object): void {
  if (hasAccessors(proto, base)) throw new TypeError(`hold a ${type} with getters and no toJSON`);
  const fields = (names: string[]) => names.filter((name) => !isContent(object, name)).length;
  if (fields(Object.getOwnPropertyNames(object)) !== fields(Object.keys(object))) {
    throw new TypeError(`hold a ${type} with non-enumerable fields and no toJSON`);
  }
}

/** An array's indices and `length` are its contents, keyed already, not fields. */
function isContent(object: object, name: string): boolean {
  return Array.isArray(object) && (name === 'length' || /^\d+$/.test(name));
}

const ACCESSORS = new WeakMap<object, boolean>();

/** True when a prototype, or one above it short of `base`, defines a getter or setter. */
function hasAccessors(proto: object, base: object): boolean {
  let found = ACCESSORS.get(proto);
  if (found !== undefined) return found;
  found = false;
  for (let p: object | null = proto; p !== null && p !== base;) {
    for (const name of Reflect.ownKeys(p)) {
      const descriptor = Object.getOwnPropertyDescriptor(p, name)!;
      if (descriptor.get !== undefined || descriptor.set !== undefined) found = true;
    }
    if (found) break;
    p = Object.getPrototypeOf(p);
  }
  ACCESSORS.set(proto, found);
  return found;
}

function stringifyFields(object: object, seen: Set<object>): string {
  const keys = Object.keys(object).sort();
  const fields = keys.map(
    (key) =>
      `${JSON.stringify(key)}:${stableStringify((object as Record<string, unknown>)[key], seen)}`,
  );
  return `{${fields.join(',')}}`;
}
