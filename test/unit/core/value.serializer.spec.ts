import fc from 'fast-check';
import { deserializeValue, serializeValue } from '../../../lib/core/value.serializer';
import { NotStorableError } from '../../../lib/errors/not-storable.error';

const roundTrip = <T>(value: T): T => deserializeValue<T>(serializeValue(value));

describe('value serializer', () => {
  it.each([
    ['null', null],
    ['zero', 0],
    ['false', false],
    ['the empty string', ''],
    ['a string', 'hello\nworld'],
    ['a number', 42.5],
    ['an array', [1, 'two', null, { three: 3 }]],
    ['an object', { a: 1, nested: { b: [true, false] } }],
    ['an empty object', {}],
    ['an empty array', []],
  ])('round-trips %s', (_, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it('round-trips Date, Buffer, Map, Set and BigInt by value, nested too', () => {
    const date = new Date('2024-02-29T12:34:56.789Z');
    const value = {
      date,
      buffer: Buffer.from([0, 1, 2, 255]),
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, { deep: new Set([1n]) }],
      ]),
      set: new Set(['x', 'y']),
      big: 12345678901234567890n,
      list: [new Date(0), 7n],
    };
    const back = roundTrip(value);
    expect(back.date).toBeInstanceOf(Date);
    expect(back.date.getTime()).toBe(date.getTime());
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect([...back.buffer]).toEqual([0, 1, 2, 255]);
    expect(back.map).toBeInstanceOf(Map);
    expect(back.map.get('a')).toBe(1);
    expect((back.map.get(2) as { deep: Set<bigint> }).deep).toEqual(new Set([1n]));
    expect(back.set).toEqual(new Set(['x', 'y']));
    expect(back.big).toBe(12345678901234567890n);
    expect(back.list[0]).toEqual(new Date(0));
    expect(back.list[1]).toBe(7n);
  });

  it.each([
    ['a Date', new Date(1_700_000_000_000)],
    ['a Buffer', Buffer.from('bytes')],
    ['a Map', new Map([[1, 2]])],
    ['a Set', new Set([1, 2])],
    ['a BigInt', -5n],
  ])('round-trips %s at the top level', (_, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it('keeps non-finite numbers and -0', () => {
    const back = roundTrip({ nan: NaN, inf: Infinity, ninf: -Infinity, nz: -0 });
    expect(back.nan).toBeNaN();
    expect(back.inf).toBe(Infinity);
    expect(back.ninf).toBe(-Infinity);
    expect(Object.is(back.nz, -0)).toBe(true);
  });

  it('keeps an object that has a field named like its internal tag', () => {
    const value = { $nc: 'Date', v: 1, other: new Date(5) };
    expect(roundTrip(value)).toEqual(value);
    const plain = { $nc: 'BigInt', v: '1' };
    expect(roundTrip(plain)).toEqual(plain);
  });

  it('drops undefined fields as JSON does', () => {
    expect(roundTrip({ a: 1, b: undefined })).toEqual({ a: 1 });
  });

  it('sends a class instance as the JSON it would be sent as', () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON() {
        return `${this.cents / 100} EUR`;
      }
    }
    expect(roundTrip({ price: new Money(250) })).toEqual({ price: '2.5 EUR' });
  });

  it.each([
    ['a function', { f: () => 1 }, /function/],
    ['a nested function', { a: [{ b: () => 1 }] }, /function/],
    ['a symbol', { s: Symbol('x') }, /symbol/],
    ['a function in a Map', new Map([['f', () => 1]]), /function/],
  ])('refuses %s', (_, value, reason) => {
    expect(() => serializeValue(value)).toThrow(NotStorableError);
    expect(() => serializeValue(value)).toThrow(reason);
  });

  it('refuses a circular object with NotStorableError', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(() => serializeValue(a)).toThrow(NotStorableError);
    const list: unknown[] = [];
    list.push({ list });
    expect(() => serializeValue(list)).toThrow(NotStorableError);
  });

  it('refuses a cycle that runs through toJSON with NotStorableError', () => {
    const node: { toJSON(): unknown; child?: unknown } = {
      toJSON() {
        return { child: node };
      },
    };
    expect(() => serializeValue({ node })).toThrow(NotStorableError);
  });

  it('refuses a function returned by toJSON', () => {
    const value = { x: { toJSON: () => ({ f: () => 1 }) } };
    expect(() => serializeValue(value)).toThrow(NotStorableError);
  });

  it('accepts the same object twice (shared, not circular)', () => {
    const shared = { n: 1 };
    expect(roundTrip({ a: shared, b: shared, c: [shared, new Date(1)] })).toEqual({
      a: { n: 1 },
      b: { n: 1 },
      c: [{ n: 1 }, new Date(1)],
    });
  });

  it('round-trips any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(roundTrip(value)).toEqual(value);
      }),
    );
  });

  it('round-trips values holding Dates, BigInts, Maps and Sets (property)', () => {
    const leaf = fc.oneof(
      fc.jsonValue(),
      fc.bigInt(),
      fc.date({ noInvalidDate: true }),
      fc.uint8Array().map((bytes) => Buffer.from(bytes)),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { maxDepth: 3 },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 }),
        fc.array(fc.tuple(fc.string(), tie('node')), { maxLength: 3 }).map((e) => new Map(e)),
        fc.array(fc.integer(), { maxLength: 4 }).map((e) => new Set(e)),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toEqual(v);
      }),
    );
  });
});

describe('value serializer: an own __proto__ key', () => {
  it('round-trips an own "__proto__" key beside a tagged value, as data, not as a prototype', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"n":1}');
    value.when = new Date(5);
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.keys(back).sort()).toEqual(['__proto__', 'n', 'when']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: true });
    expect((back as { polluted?: unknown }).polluted).toBeUndefined();
    expect(back.when).toEqual(new Date(5));
  });

  it('round-trips it inside a Map value and next to the tag key itself', () => {
    const inner = JSON.parse('{"__proto__":{"a":1},"$nc":"x"}');
    const back = roundTrip(new Map([['k', inner]])).get('k') as object;
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ a: 1 });
    expect(Object.getOwnPropertyDescriptor(back, '$nc')?.value).toBe('x');
  });
});

describe('response bodies stored by HTTP routes', () => {
  it('decode as their text (or bytes), never as damaged', () => {
    const { tryDeserialize } = jest.requireActual('../../../lib/core/value.serializer');
    expect(tryDeserialize('b{"id":1}')).toBe('{"id":1}');
    expect(tryDeserialize('B' + Buffer.from([0xff, 0]).toString('base64'))).toEqual(
      Buffer.from([0xff, 0]),
    );
  });
});
