import fc from 'fast-check';
import { stableStringify } from '../../../lib/keys/stable-stringify';

describe('stableStringify', () => {
  it('ignores object key order', () => {
    expect(stableStringify({ a: 1, b: { c: 2, d: 3 } })).toBe(
      stableStringify({ b: { d: 3, c: 2 }, a: 1 }),
    );
  });

  it('writes Dates, Buffers, Maps, Sets and BigInts by value', () => {
    expect(stableStringify(new Date(5))).toBe(stableStringify(new Date(5)));
    expect(stableStringify(new Date(5))).not.toBe(stableStringify(new Date(6)));
    expect(stableStringify(Buffer.from('a'))).not.toBe(stableStringify(Buffer.from('b')));
    expect(
      stableStringify(
        new Map([
          [1, 'a'],
          [2, 'b'],
        ]),
      ),
    ).toBe(
      stableStringify(
        new Map([
          [2, 'b'],
          [1, 'a'],
        ]),
      ),
    );
    expect(stableStringify(new Set([1, 2]))).toBe(stableStringify(new Set([2, 1])));
    expect(stableStringify(10n)).not.toBe(stableStringify(10));
  });

  it('never prints values of different types alike', () => {
    const values = [
      '1',
      1,
      1n,
      true,
      'true',
      null,
      'null',
      undefined,
      'undefined',
      [1],
      '[1]',
      new Set([1]),
      new Map([[1, 1]]),
      { 1: 1 },
      new Date(1),
      Buffer.from([1]),
      new Uint8Array([1]),
      -0,
      0,
    ];
    const printed = values.map((v) => stableStringify(v));
    expect(new Set(printed).size).toBe(values.length);
  });

  it('is injective on JSON values, up to object key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const same = stableStringify(a) === stableStringify(b);
        expect(same).toBe(stableStringify(structuredClone(a)) === stableStringify(b));
        if (same) expect(a).toEqual(b);
      }),
    );
  });

  it('refuses functions, symbols and cycles', () => {
    expect(() => stableStringify({ f: () => 1 })).toThrow(TypeError);
    expect(() => stableStringify([Symbol('s')])).toThrow(TypeError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => stableStringify(cycle)).toThrow(/circular/);
  });
});
