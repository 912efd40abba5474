import { CacheConfigError } from 'nestjs-cached';
import { memoryStore, MemoryStore } from '../../../lib/stores/memory.store';
import { runStoreContract } from './store-contract';

runStoreContract('memoryStore()', () => memoryStore());

describe('memoryStore bounds', () => {
  it('keeps at most maxEntries entries, dropping the least recently used', () => {
    const store = memoryStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) store.set(key, key, 60_000);
    store.get('a'); // a is now the most recently used
    store.set('d', 'd', 60_000);
    expect(store.size).toBe(3);
    expect(store.get('b')).toBeUndefined();
    expect(store.getMany(['a', 'c', 'd'])).toEqual(['a', 'c', 'd']);
  });

  it('keeps at most maxBytes bytes (keys and values as UTF-16, plus 256 per entry)', () => {
    const store = memoryStore({ maxBytes: 1_600 });
    const value = 'x'.repeat(199); // (199 + 1) * 2 + 256 = 656 bytes with a one-character key
    for (const key of ['a', 'b', 'c']) store.set(key, value, 60_000);
    expect(store.bytes).toBeLessThanOrEqual(1_600);
    expect(store.size).toBe(2);
    expect(store.get('a')).toBeUndefined();
    expect(store.get('c')).toBe(value);
  });

  it('does not keep a value larger than maxBytes, and keeps what it had', () => {
    const store = memoryStore({ maxBytes: 400 });
    store.set('small', 'v', 60_000);
    store.set('big', 'x'.repeat(500), 60_000);
    expect(store.get('big')).toBeUndefined();
    expect(store.get('small')).toBe('v');
  });

  it.each([
    [{ maxEntries: 0 }, /maxEntries/],
    [{ maxEntries: -1 }, /maxEntries/],
    [{ maxEntries: 1.5 }, /maxEntries/],
    [{ maxEntries: '10' }, /maxEntries/],
    [{ maxBytes: 0 }, /maxBytes/],
    [{ maxBytes: NaN }, /maxBytes/],
    [{ maxBytes: Infinity }, /maxBytes/],
  ])('rejects %p with a CacheConfigError', (options, option) => {
    expect(() => memoryStore(options as never)).toThrow(CacheConfigError);
    expect(() => memoryStore(options as never)).toThrow(option);
    expect(() => memoryStore(options as never)).toThrow(/^memoryStore: /);
  });

  it('is a MemoryStore', () => {
    expect(memoryStore()).toBeInstanceOf(MemoryStore);
  });
});
