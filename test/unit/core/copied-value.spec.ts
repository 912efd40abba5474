import { CacheEntry } from '../../../lib/core/cache-entry';
import { entryOf } from './helpers/entry-of';
import { copiedValue, frozenValue, MAX_TEMPLATE_PAYLOAD } from '../../../lib/core/frozen-value';
import { MAX_CLONE_WIDTH } from '../../../lib/core/json-clone';
import { serializeValue, UNDECODABLE } from '../../../lib/core/value.serializer';

const VALUE = {
  id: 1,
  tags: ['a', 'b'],
  price: { amount: 1999, currency: 'EUR' },
  list: [{ n: 1 }],
};

/** Copies of one entry, each mutated all the way down once it is handed out. */
function mutatedCopies(entry: CacheEntry, count: number): unknown[] {
  const copies: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const copy = copiedValue<typeof VALUE>(entry) as typeof VALUE;
    copies.push(structuredClone(copy));
    copy.id = -1;
    copy.tags.push('mutated');
    copy.price.amount = 0;
    copy.list[0].n = -1;
    (copy as Record<string, unknown>).extra = true;
  }
  return copies;
}

describe('copiedValue', () => {
  let parse: jest.SpyInstance;
  beforeEach(() => (parse = jest.spyOn(JSON, 'parse')));
  afterEach(() => parse.mockRestore());

  it('hands out equal, independent copies on every hit, however the caller changes them', () => {
    const entry = entryOf(serializeValue(VALUE));
    expect(mutatedCopies(entry, 6)).toEqual(Array.from({ length: 6 }, () => VALUE));
  });

  it('parses on the first two hits of an entry, then clones the value kept from the second', () => {
    const entry = entryOf(serializeValue(VALUE));
    copiedValue(entry);
    copiedValue(entry);
    expect(parse).toHaveBeenCalledTimes(2);
    for (let i = 0; i < 5; i++) copiedValue(entry);
    expect(parse).toHaveBeenCalledTimes(2);
  });

  it('copies are never the frozen value frozen hits share, nor frozen themselves', () => {
    const entry = entryOf(serializeValue(VALUE));
    const frozen = frozenValue<typeof VALUE>(entry) as typeof VALUE;
    for (let i = 0; i < 3; i++) {
      const copy = copiedValue<typeof VALUE>(entry) as typeof VALUE;
      expect(copy).toEqual(VALUE);
      expect(copy).not.toBe(frozen);
      expect(copy.price).not.toBe(frozen.price);
      expect(Object.isFrozen(copy) || Object.isFrozen(copy.tags)).toBe(false);
    }
    expect(Object.isFrozen(frozen.price)).toBe(true);
    expect(frozenValue(entry)).toBe(frozen);
  });

  it('parses every hit of values with very wide objects, of big payloads and of tagged values', () => {
    const wide = Object.fromEntries(
      Array.from({ length: MAX_CLONE_WIDTH + 1 }, (_, i) => [`k${i}`, { i }]),
    );
    const big = { text: 'x'.repeat(MAX_TEMPLATE_PAYLOAD) };
    const tagged = { at: new Date(0), set: new Set([1]) };
    for (const value of [wide, big, tagged]) {
      const entry = entryOf(serializeValue(value));
      parse.mockClear();
      const copies = Array.from({ length: 4 }, () => copiedValue(entry));
      expect(copies).toEqual(Array.from({ length: 4 }, () => value));
      expect(new Set(copies).size).toBe(4);
      expect(parse.mock.calls.length).toBeGreaterThanOrEqual(4);
    }
  });

  it('a wide value a frozen hit decoded is still copied, never handed out frozen', () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_CLONE_WIDTH + 1 }, (_, i) => [i, i]));
    const entry = entryOf(serializeValue(wide));
    const frozen = frozenValue(entry);
    const copy = copiedValue(entry);
    expect(copy).toEqual(wide);
    expect(copy).not.toBe(frozen);
    expect(Object.isFrozen(copy)).toBe(false);
  });

  it('a damaged payload is UNDECODABLE on every hit', () => {
    const entry = entryOf('j{"broken":');
    for (let i = 0; i < 3; i++) expect(copiedValue(entry)).toBe(UNDECODABLE);
  });

  it('falls back to parsing while Object.prototype has enumerable properties', () => {
    const entry = entryOf(serializeValue(VALUE));
    for (let i = 0; i < 3; i++) copiedValue(entry);
    (Object.prototype as Record<string, unknown>).injected = 1;
    try {
      const copy = copiedValue(entry) as object;
      expect(Object.keys(copy)).toEqual(Object.keys(VALUE));
    } finally {
      delete (Object.prototype as Record<string, unknown>).injected;
    }
  });
});
