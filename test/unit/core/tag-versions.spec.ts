import { CacheEngine } from '../../../lib/core/cache.engine';
import { MemoryStore } from '../../../lib/stores/memory.store';

/** Tag versions are created by invalidations only, never by a read, a computation or a write. */
describe('tag versions', () => {
  let store: MemoryStore;
  let engine: CacheEngine;
  beforeEach(() => {
    store = new MemoryStore();
    engine = new CacheEngine(store, 'ns', 250, { lifetime: 60_000 });
  });

  it('a lookup or a computation that stores nothing creates no key', async () => {
    expect((await engine.lookup('k')).state).toBe('miss');
    const ticket = await engine.begin('k', ['product:1']);
    engine.release(ticket);
    expect(store.size).toBe(0);
  });

  it('storing an entry creates no version of its tags (absent is the initial one); it is valid', async () => {
    const ticket = await engine.begin('k', ['a', 'b']);
    expect(await engine.commit(ticket, '"v"', { ttl: 60_000 })).toBe(true);
    expect(store.get('ns:t:a')).toBeUndefined();
    expect(store.get('ns:t:b')).toBeUndefined();
    expect((await engine.lookup('k')).state).toBe('fresh');
  });

  it('two computations with one new tag both store (they share its first version)', async () => {
    const first = await engine.begin('k1', ['shared']);
    const second = await engine.begin('k2', ['shared']);
    expect(await engine.commit(first, '1', { ttl: 60_000 })).toBe(true);
    expect(await engine.commit(second, '2', { ttl: 60_000 })).toBe(true);
    expect((await engine.lookup('k1')).state).toBe('fresh');
    expect((await engine.lookup('k2')).state).toBe('fresh');
  });

  it('a tag invalidated elsewhere between begin and commit: the value is not stored', async () => {
    const other = new CacheEngine(store, 'ns', 250, { lifetime: 60_000 }); // another instance sharing the store
    const ticket = await engine.begin('k', ['fresh-tag']);
    await other.invalidateTags(['fresh-tag']);
    expect(await engine.commit(ticket, '"old"', { ttl: 60_000 })).toBe(false);
    expect((await engine.lookup('k')).state).toBe('miss');
  });

  it('an entry computed under an invalidated version is a miss once that version is gone', async () => {
    await engine.invalidateTags(['t']);
    const ticket = await engine.begin('k', ['t']);
    await engine.commit(ticket, '"v"', { ttl: 60_000 });
    expect((await engine.lookup('k')).state).toBe('fresh');
    store.delete(['ns:t:t']);
    expect((await engine.lookup('k')).state).toBe('miss');
    const again = await engine.begin('k', ['t']);
    expect(await engine.commit(again, '"v2"', { ttl: 60_000 })).toBe(true);
    expect((await engine.lookup('k')).state).toBe('fresh');
  });
});
