import Keyv from 'keyv';
import { KeyvStore } from '../../../lib/stores/keyv.store';
import { toCacheStore } from '../../../lib/stores/to-cache-store';
import { runStoreContract } from './store-contract';

runStoreContract('KeyvStore over new Keyv()', () => new KeyvStore(new Keyv()));
runStoreContract('a Map given as a Keyv store adapter', () => toCacheStore(new Map()));
// Keyv leaves a key that already starts with `<its namespace>:` unprefixed for single-key calls,
// but always prefixes arrays; a Keyv namespace equal to the cache namespace must still work.
runStoreContract(
  'KeyvStore over a Keyv whose namespace is the cache namespace',
  () => new KeyvStore(new Keyv({ namespace: 'ns' })),
);
runStoreContract(
  'KeyvStore over a Keyv whose namespace is "a"',
  () => new KeyvStore(new Keyv({ namespace: 'a' })),
);

runStoreContract(
  'KeyvStore over a Keyv without a namespace',
  () => new KeyvStore(new Keyv({ namespace: '' })),
);
runStoreContract(
  'KeyvStore over a Keyv that does not prefix keys',
  () => new KeyvStore(new Keyv({ useKeyPrefix: false })),
);
runStoreContract('KeyvStore over two Keyv namespaces sharing one Map', () => {
  const shared = new Map();
  void new KeyvStore(new Keyv({ store: shared, namespace: 'other' })).set('a:e:1', 'x', 60_000);
  return new KeyvStore(new Keyv({ store: shared, namespace: 'mine' }));
});
// A Keyv with a default ttl of its own must not expire what the cache keeps forever (tag versions).
runStoreContract(
  'KeyvStore over a Keyv with a default ttl',
  () => new KeyvStore(new Keyv({ ttl: 40 })),
);

describe('KeyvStore.clear on a store shared by two Keyv namespaces', () => {
  it('removes the cache namespace of its own Keyv namespace only', async () => {
    const shared = new Map();
    const mine = new KeyvStore(new Keyv({ store: shared, namespace: 'mine' }));
    const other = new KeyvStore(new Keyv({ store: shared, namespace: 'other' }));
    await mine.set('cache:e:1', 'mine', 60_000);
    await other.set('cache:e:1', 'other', 60_000);
    await mine.clear('cache:');
    expect(await mine.get('cache:e:1')).toBeUndefined();
    expect(await other.get('cache:e:1')).toBe('other');
  });
});

/** A Keyv store adapter whose every call fails. */
const failingAdapter = () => ({
  get: () => Promise.reject(new Error('down')),
  set: () => Promise.reject(new Error('down')),
  delete: () => Promise.reject(new Error('down')),
  clear: () => Promise.reject(new Error('down')),
});

describe('KeyvStore over a failing store', () => {
  // Keyv swallows store errors by default; the cache must still see them to count them and to
  // make delete / invalidateTags / clear reject.
  it.each([
    ['a Keyv store adapter', () => toCacheStore(failingAdapter())],
    ['a Keyv instance', () => toCacheStore(new Keyv({ store: failingAdapter() }))],
  ])('reports every failure of %s', async (_, create) => {
    const store = create();
    await expect(Promise.resolve().then(() => store.get('ns:e:k'))).rejects.toThrow('down');
    await expect(Promise.resolve().then(() => store.getMany(['ns:t:a']))).rejects.toThrow('down');
    await expect(Promise.resolve().then(() => store.set('ns:e:k', 'v', 1_000))).rejects.toThrow(
      'down',
    );
    await expect(Promise.resolve().then(() => store.delete(['ns:e:k']))).rejects.toThrow('down');
    await expect(Promise.resolve().then(() => store.delete(['a', 'b']))).rejects.toThrow('down');
  });
});
