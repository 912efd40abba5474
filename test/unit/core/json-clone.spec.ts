import { cloneJson, isCloneable, MAX_CLONE_WIDTH } from '../../../lib/core/json-clone';

/** Everything about a value `JSON.parse` could tell apart: keys in order, own data properties. */
function describeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return [typeof value, value];
  return [
    Object.getPrototypeOf(value) === (Array.isArray(value) ? Array.prototype : Object.prototype),
    Reflect.ownKeys(value).map((key) => [
      key,
      Object.getOwnPropertyDescriptor(value, key)!.enumerable,
      Object.getOwnPropertyDescriptor(value, key)!.writable,
      Object.getOwnPropertyDescriptor(value, key)!.configurable,
      key === 'length' && Array.isArray(value)
        ? value.length
        : describeValue((value as Record<string | symbol, unknown>)[key]),
    ]),
  ];
}

/** Objects reachable from `value`. */
function objectsOf(value: unknown, out = new Set<object>()): Set<object> {
  if (value !== null && typeof value === 'object') {
    out.add(value);
    for (const item of Object.values(value)) objectsOf(item, out);
  }
  return out;
}

const CASES: [string, string][] = [
  ['an object', '{"id":1,"name":"x","price":{"amount":1999,"currency":"EUR"},"tags":["a","b"]}'],
  ['an array of objects', '[{"a":1},{"a":2,"b":[true,false,null]},[],{}]'],
  ['integer-like keys', '{"b":1,"10":2,"a":3,"2":4,"-1":5,"01":6}'],
  ['a __proto__ key', '{"__proto__":{"polluted":true},"x":1}'],
  ['a nested __proto__ key', '{"a":[{"__proto__":[1]}]}'],
  ['numbers', '[0,-1.5,1e21,5e-324,9007199254740993]'],
  ['strings', '["", "ünïcødé ✓", "line\\nbreak", "\\u0000"]'],
  ['primitives', '"text"'],
  ['null', 'null'],
  ['a deep value', '{"a":{"b":{"c":{"d":{"e":[[[["deep"]]]]}}}}}'],
];

describe('cloneJson', () => {
  it.each(CASES)('copies %s exactly as parsing it again would', (_name, json) => {
    const template = JSON.parse(json);
    const copy = cloneJson(template);
    expect(describeValue(copy)).toEqual(describeValue(JSON.parse(json)));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(JSON.parse(json)));
  });

  it('shares no object with what it copies', () => {
    const template = JSON.parse('{"a":{"b":[1,{"c":2}]},"d":[[3]],"__proto__":{"e":4}}');
    const copy = cloneJson(template);
    const shared = [...objectsOf(copy)].filter((object) => objectsOf(template).has(object));
    expect(shared).toEqual([]);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  it('copies frozen data into objects the caller may change', () => {
    const template: { a: number[]; b: { c: number } } = Object.freeze({
      a: Object.freeze([1, 2]) as number[],
      b: Object.freeze({ c: 1 }),
    });
    const copy = cloneJson(template)!;
    copy.a.push(3);
    copy.b.c = 2;
    expect(copy).toEqual({ a: [1, 2, 3], b: { c: 2 } });
    expect(template).toEqual({ a: [1, 2], b: { c: 1 } });
  });

  it('gives up (undefined) while Object.prototype has enumerable properties', () => {
    const template = JSON.parse('{"a":1}');
    (Object.prototype as Record<string, unknown>).injected = 'x';
    try {
      expect(cloneJson(template)).toBeUndefined();
    } finally {
      delete (Object.prototype as Record<string, unknown>).injected;
    }
    expect(cloneJson(template)).toEqual({ a: 1 });
  });

  it('gives up (undefined) on a value nesting deeper than the stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(cloneJson(deep)).toBeUndefined();
  });
});

describe('isCloneable', () => {
  const wide = (width: number) =>
    Object.fromEntries(Array.from({ length: width }, (_, i) => [`k${i}`, i]));

  it(`is true for data whose objects have at most ${MAX_CLONE_WIDTH} keys`, () => {
    expect(isCloneable([wide(MAX_CLONE_WIDTH), { a: wide(3) }, 1, 'x', null])).toBe(true);
    expect(isCloneable(Array.from({ length: 10_000 }, (_, i) => i))).toBe(true);
  });

  it('is false when any object is wider (parsing builds those faster)', () => {
    expect(isCloneable(wide(MAX_CLONE_WIDTH + 1))).toBe(false);
    expect(isCloneable({ a: [{ b: wide(MAX_CLONE_WIDTH + 1) }] })).toBe(false);
  });

  it('is false for a value nesting deeper than the stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(isCloneable(deep)).toBe(false);
  });
});
