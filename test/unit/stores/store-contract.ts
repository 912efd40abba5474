import { CacheStore } from '../../../lib/stores/cache-store.interface';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one contract every store runs (see memory.store.spec.ts and keyv.store.spec.ts). Keys are
 * laid out as the engine lays them out: `<namespace>:e:<key>` and `<namespace>:t:<tag>`.
 */
export function runStoreContract(name: string, create: () => CacheStore): void {
  describe(`${name} store contract`, () => {
    let store: CacheStore;
    beforeEach(() => (store = create()));
    afterEach(async () => store.close?.());

    it('has a name for the logs', () => {
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
    });

    it('reads undefined for a key never written', async () => {
      expect(await store.get('ns:e:absent')).toBeUndefined();
    });

    it('reads back exactly the string written, newlines and unicode included', async () => {
      const value = '[1,2,null]\nj{"a":"é ✓ \\u0000","b":[1]}';
      await store.set('ns:e:k', value, 60_000);
      expect(await store.get('ns:e:k')).toBe(value);
    });

    it('keeps the empty string as a value', async () => {
      await store.set('ns:e:empty', '', 60_000);
      expect(await store.get('ns:e:empty')).toBe('');
    });

    it('overwrites a key', async () => {
      await store.set('ns:e:k', 'one', 60_000);
      await store.set('ns:e:k', 'two', 60_000);
      expect(await store.get('ns:e:k')).toBe('two');
    });

    it('reads many keys in order, undefined where absent', async () => {
      await store.set('ns:t:a', 'A', Infinity);
      await store.set('ns:t:c', 'C', Infinity);
      expect(await store.getMany(['ns:t:c', 'ns:t:b', 'ns:t:a'])).toEqual(['C', undefined, 'A']);
      expect(await store.getMany([])).toEqual([]);
    });

    it('deletes one key and several keys, and ignores absent ones', async () => {
      await store.set('ns:e:1', '1', 60_000);
      await store.set('ns:e:2', '2', 60_000);
      await store.set('ns:e:3', '3', 60_000);
      await store.delete(['ns:e:1']);
      expect(await store.get('ns:e:1')).toBeUndefined();
      await store.delete(['ns:e:2', 'ns:e:3', 'ns:e:never']);
      expect(await store.getMany(['ns:e:1', 'ns:e:2', 'ns:e:3'])).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      await store.delete([]);
    });

    it('clears one prefix only', async () => {
      await store.set('a:e:1', '1', 60_000);
      await store.set('a:t:x', 'v', Infinity);
      await store.set('ab:e:1', 'other namespace', 60_000);
      await store.set('b:e:1', 'other namespace', 60_000);
      await store.clear('a:');
      expect(await store.get('a:e:1')).toBeUndefined();
      expect(await store.get('a:t:x')).toBeUndefined();
      expect(await store.get('ab:e:1')).toBe('other namespace');
      expect(await store.get('b:e:1')).toBe('other namespace');
    });

    it('forgets a key once its ttl has passed, and keeps an Infinity ttl', async () => {
      // Long enough for a remote store on a loaded machine (Redis Cluster: a few round trips).
      await store.set('ns:e:forever', 'kept', Infinity);
      await store.set('ns:e:short', 'gone soon', 200);
      expect(await store.get('ns:e:short')).toBe('gone soon');
      await sleep(250);
      expect(await store.get('ns:e:short')).toBeUndefined();
      expect(await store.getMany(['ns:e:short'])).toEqual([undefined]);
      expect(await store.get('ns:e:forever')).toBe('kept');
    });

    it('accepts a fractional ttl', async () => {
      await store.set('ns:e:frac', 'v', 1500.5);
      expect(await store.get('ns:e:frac')).toBe('v');
    });
  });
}
