import { entryOf } from './helpers/entry-of';
import { copiedValue, frozenValue, MAX_TEMPLATE_PAYLOAD } from '../../../lib/core/frozen-value';
import { MAX_CLONE_WIDTH } from '../../../lib/core/json-clone';
import { serializeValue } from '../../../lib/core/value.serializer';

/** Everything `JSON.parse` could tell apart: prototypes, own keys in order, attributes, -0. */
function describeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return [typeof value, Object.is(value, -0) ? '-0' : value];
  }
  return [
    Object.getPrototypeOf(value) === (Array.isArray(value) ? Array.prototype : Object.prototype),
    Object.isExtensible(value),
    Reflect.ownKeys(value).map((key) => {
      const d = Object.getOwnPropertyDescriptor(value, key)!;
      return [
        key,
        d.enumerable,
        d.writable,
        d.configurable,
        key === 'length' && Array.isArray(value) ? value.length : describeValue(d.value),
      ];
    }),
  ];
}

/** Objects reachable from `value`. */
function objectsOf(value: unknown, out = new Set<object>()): Set<object> {
  if (value !== null && typeof value === 'object') {
    out.add(value);
    for (const key of Reflect.ownKeys(value)) {
      objectsOf((value as Record<string | symbol, unknown>)[key], out);
    }
  }
  return out;
}

/** Six copies of an entry holding `json` (its payload as the plain serializer writes it). */
function copiesOf(json: string, count = 6): unknown[] {
  const entry = entryOf('j' + json);
  return Array.from({ length: count }, () => copiedValue(entry));
}

/** Runs `body` with a property defined on `Object.prototype`, removed afterwards. */
function withPrototypeProperty(name: string, descriptor: PropertyDescriptor, body: () => void) {
  Object.defineProperty(Object.prototype, name, { configurable: true, ...descriptor });
  try {
    body();
  } finally {
    delete (Object.prototype as Record<string, unknown>)[name];
  }
}

describe('copies of kept values, attacked (hostile)', () => {
  const SHAPES: [string, string][] = [
    [
      'keys named like Object.prototype members',
      '{"constructor":1,"toString":"x","valueOf":[1],"hasOwnProperty":{"a":null},"isPrototypeOf":true,"toJSON":{"k":1},"__defineSetter__":2}',
    ],
    [
      'a __proto__ key holding an array and one nested in an array',
      '[{"__proto__":[{"__proto__":{"x":1}}]},{"__proto__":null}]',
    ],
    [
      'integer-like keys in mixed order',
      '{"z":1,"4294967295":2,"4294967294":3,"1":4,"0":5,"-0":6,"1.5":7,"00":8}',
    ],
    ["duplicate keys (the last wins, in the first one's place)", '{"a":1,"b":2,"a":{"c":3}}'],
    ['numbers', '[-0,0,1e21,1e-7,-1e308,5e-324,123456789012345678901234567890]'],
    [
      'unicode, lone surrogates and escapes',
      '["\\ud800","\\udfff\\ud800","😀","\\u2028\\u2029","é","\\"\\\\/"]',
    ],
    ['empty containers and nulls', '[{},[],[[]],{"":{}},null,{"":null}]'],
  ];

  it.each(SHAPES)('%s: every copy describes as the parse does, and shares nothing', (_, json) => {
    const parsed = describeValue(JSON.parse(json));
    const copies = copiesOf(json);
    for (const copy of copies) expect(describeValue(copy)).toEqual(parsed);
    const seen = new Set<object>();
    for (const copy of copies) {
      for (const object of objectsOf(copy)) {
        expect(seen.has(object)).toBe(false);
        expect(Object.isFrozen(object)).toBe(false);
        seen.add(object);
      }
    }
  });

  it('a copy whose toJSON key holds data stringifies as the parse does', () => {
    const json = '{"toJSON":{"a":1},"b":[{"toJSON":null}]}';
    for (const copy of copiesOf(json)) {
      expect(JSON.stringify(copy)).toBe(JSON.stringify(JSON.parse(json)));
    }
  });

  it('objects of exactly the width limit, nested, and one past it deep inside', () => {
    const row = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    const atLimit = {
      a: row(MAX_CLONE_WIDTH),
      b: [row(MAX_CLONE_WIDTH), { c: row(MAX_CLONE_WIDTH) }],
    };
    const overDeep = { a: [{ b: { c: row(MAX_CLONE_WIDTH + 1) } }] };
    for (const value of [atLimit, overDeep]) {
      const json = JSON.stringify(value);
      for (const copy of copiesOf(json)) expect(describeValue(copy)).toEqual(describeValue(value));
    }
  });

  it('payloads at the template limit and one character past it', () => {
    for (const extra of [0, 1]) {
      const filler = 'x'.repeat(MAX_TEMPLATE_PAYLOAD - 1 - '{"t":""}'.length + extra);
      const payload = serializeValue({ t: filler });
      expect(payload.length).toBe(MAX_TEMPLATE_PAYLOAD + extra);
      const entry = entryOf(payload);
      const copies = Array.from({ length: 4 }, () => copiedValue<{ t: string }>(entry));
      for (const copy of copies) expect(copy).toEqual({ t: filler });
      expect(new Set(copies).size).toBe(4);
    }
  });

  it('mutating every copy (even the one that built the kept value) never reaches a later one', () => {
    const value = { a: { b: [1, { c: 'd' }] }, e: [[1], [2]] };
    const entry = entryOf(serializeValue(value));
    for (let i = 0; i < 8; i++) {
      const copy = copiedValue(entry) as typeof value & Record<string, unknown>;
      expect(copy).toEqual(value);
      copy.a.b.push(99);
      (copy.a.b[1] as { c: string }).c = 'changed';
      copy.e[0][0] = -1;
      copy.e.length = 0;
      Object.setPrototypeOf(copy.a, null);
      Object.freeze(copy);
    }
  });

  it('copies and frozen reads of one entry, alternately: frozen stays shared, copies stay fresh', () => {
    const value = { list: [{ id: 1 }, { id: 2 }], meta: { n: 2 } };
    const entry = entryOf(serializeValue(value));
    let frozen: unknown;
    for (let i = 0; i < 6; i++) {
      const copy = copiedValue(entry) as typeof value;
      const shared = frozenValue(entry);
      frozen ??= shared;
      expect(shared).toBe(frozen);
      expect(copy).not.toBe(shared);
      expect(copy).toEqual(value);
      copy.list[0].id = 100 + i;
      copy.meta.n = -1;
      expect(shared).toEqual(value);
    }
  });

  it('copies stay equal to the parse once Object.prototype has a non-writable property', () => {
    const json = '{"locked":{"a":1},"b":2}';
    const entry = entryOf('j' + json);
    copiedValue(entry);
    copiedValue(entry);
    withPrototypeProperty('locked', { value: 'proto', writable: false, enumerable: false }, () => {
      for (let i = 0; i < 3; i++) {
        expect(describeValue(copiedValue(entry))).toEqual(describeValue(JSON.parse(json)));
      }
    });
  });

  it('copies keep a key that Object.prototype has an accessor for (a should.js-like getter/setter)', () => {
    const json = '{"should":{"be":true},"other":1}';
    const entry = entryOf('j' + json);
    copiedValue(entry);
    copiedValue(entry);
    let setterCalls = 0;
    withPrototypeProperty(
      'should',
      {
        enumerable: false,
        get() {
          return 'assertion';
        },
        set() {
          setterCalls++;
        },
      },
      () => {
        for (let i = 0; i < 3; i++) {
          const copy = copiedValue(entry);
          expect(describeValue(copy)).toEqual(describeValue(JSON.parse(json)));
          expect((copy as { should: unknown }).should).toEqual({ be: true });
        }
      },
    );
    expect(setterCalls).toBe(0);
  });

  it('an enumerable object on Object.prototype is never frozen by building the kept value', () => {
    const polluter = { mutable: 1 };
    const entry = entryOf(serializeValue({ a: { b: 1 } }));
    withPrototypeProperty(
      'appConfig',
      { value: polluter, enumerable: true, writable: true },
      () => {
        for (let i = 0; i < 4; i++) expect(copiedValue(entry)).toEqual({ a: { b: 1 } });
        expect(frozenValue(entry)).toEqual({ a: { b: 1 } });
      },
    );
    expect(Object.isFrozen(polluter)).toBe(false);
    polluter.mutable = 2;
    expect(polluter.mutable).toBe(2);
  });

  it('Object.prototype polluted after the kept value was built, then cleaned: copies stay right', () => {
    const json = '{"a":{"b":[1,2]},"c":"d"}';
    const entry = entryOf('j' + json);
    for (let i = 0; i < 3; i++) copiedValue(entry);
    withPrototypeProperty(
      'injected',
      { value: { evil: true }, enumerable: true, writable: true },
      () => {
        for (let i = 0; i < 3; i++) {
          expect(describeValue(copiedValue(entry))).toEqual(describeValue(JSON.parse(json)));
        }
      },
    );
    for (let i = 0; i < 3; i++) {
      expect(describeValue(copiedValue(entry))).toEqual(describeValue(JSON.parse(json)));
    }
  });

  it('a value nesting deeper than the stack is decoded on every hit, equal to the parse', () => {
    const depth = 20_000;
    const json = '['.repeat(depth) + ']'.repeat(depth);
    const entry = entryOf('j' + json);
    const copies = Array.from({ length: 3 }, () => copiedValue(entry));
    expect(new Set(copies).size).toBe(3);
    let inner = copies[2] as unknown[];
    let levels = 1;
    while (inner.length > 0) {
      inner = inner[0] as unknown[];
      levels++;
    }
    expect(levels).toBe(depth);
  });
});
