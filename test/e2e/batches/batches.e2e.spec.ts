import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheConfigError, CacheModule, CacheService, memoryStore } from 'nestjs-cached';

describe('CacheService batches (getMany, setMany, wrapMany)', () => {
  const store = memoryStore();
  const reads = { get: 0, getMany: 0, set: 0 };
  let cache: CacheService;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const { get, getMany, set } = store;
    store.get = (key) => (reads.get++, get.call(store, key));
    store.getMany = (keys) => (reads.getMany++, getMany.call(store, keys));
    store.set = (key, value, ttl) => (reads.set++, set.call(store, key, value, ttl));
    @Module({ imports: [CacheModule.forRoot({ store, namespace: 'batches' })] })
    class BatchApp {}
    const moduleRef = await Test.createTestingModule({ imports: [BatchApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    cache = app.get(CacheService);
    close = () => app.close();
  });
  afterAll(() => close());
  beforeEach(async () => {
    await cache.clear();
    reads.get = reads.getMany = reads.set = 0;
  });

  it('wrapMany: 100 ids with 60 cached → one store read, one load with the 40 missing in order', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => i + 1);
    await cache.setMany(
      ids
        .filter((id) => id % 5 < 3)
        .map((id) => ({ key: `user:${id}`, value: { id, cached: true } })),
    );
    reads.get = reads.getMany = reads.set = 0;
    const loads: number[][] = [];
    const users = await cache.wrapMany(
      ids,
      (id) => `user:${id}`,
      async (missing) => {
        loads.push(missing);
        return missing.map((id) => ({ id, cached: false }));
      },
    );
    expect(loads).toHaveLength(1);
    expect(loads[0]).toEqual(ids.filter((id) => id % 5 >= 3));
    expect(loads[0]).toHaveLength(40);
    expect(users.map((u) => u.id)).toEqual(ids);
    expect(users.filter((u) => u.cached)).toHaveLength(60);
    expect(reads.getMany).toBe(1);
    expect(reads.get).toBe(0);
    expect(reads.set).toBe(40);
    const again = await cache.wrapMany(
      ids,
      (id) => `user:${id}`,
      async () => {
        throw new Error('nothing should be loaded');
      },
    );
    expect(again).toEqual(users);
  });

  it('wrapMany loads a repeated id once and stores null but not undefined', async () => {
    const loads: string[][] = [];
    const load = async (missing: string[]) => (
      loads.push(missing),
      missing.map((id) => (id === 'n' ? null : id === 'u' ? undefined : id))
    );
    expect(await cache.wrapMany(['a', 'n', 'a', 'u'], (id) => id, load)).toEqual([
      'a',
      null,
      'a',
      undefined,
    ]);
    expect(await cache.wrapMany(['a', 'n', 'u'], (id) => id, load)).toEqual(['a', null, undefined]);
    expect(loads).toEqual([['a', 'n', 'u'], ['u']]);
  });

  it('wrapMany rejects a load result of the wrong length and stores nothing', async () => {
    const load = async (missing: number[]) => missing.slice(1);
    await expect(cache.wrapMany([1, 2, 3], (id) => `n:${id}`, load)).rejects.toBeInstanceOf(
      CacheConfigError,
    );
    await expect(
      cache.wrapMany(
        [1, 2],
        (id) => `n:${id}`,
        async () => 'x' as never,
      ),
    ).rejects.toThrow(/wrapMany/);
    expect(await cache.getMany(['n:1', 'n:2', 'n:3'])).toEqual([undefined, undefined, undefined]);
  });

  it('wrapMany evaluates a ttl function per value; an invalid answer is not stored', async () => {
    await cache.wrapMany(
      [1, 2],
      (id) => `t:${id}`,
      async (ids) => ids,
      { ttl: (id: number) => (id === 1 ? '1m' : -1) },
    );
    expect(await cache.getMany(['t:1', 't:2'])).toEqual([1, undefined]);
  });

  it('wrapMany does not store what was loaded before an invalidation or delete that ran meanwhile', async () => {
    const loaded = await cache.wrapMany(
      ['x', 'y'],
      (id) => `race:${id}`,
      async (missing) => {
        await cache.invalidateTags('race');
        await cache.delete('race:y');
        return missing.map((id) => `old ${id}`);
      },
      { tags: ['race'] },
    );
    expect(loaded).toEqual(['old x', 'old y']);
    expect(await cache.getMany(['race:x', 'race:y'])).toEqual([undefined, undefined]);
  });

  it('wrapMany answers from the loader while the store fails', async () => {
    const { getMany } = store;
    store.getMany = () => {
      throw new Error('store down');
    };
    try {
      const values = await cache.wrapMany(
        [1, 2],
        (id) => `down:${id}`,
        async (ids) => ids.map((id) => id * 2),
      );
      expect(values).toEqual([2, 4]);
    } finally {
      store.getMany = getMany;
    }
  });

  it('getMany reads once and answers in order; setMany skips undefined', async () => {
    await cache.setMany<unknown>([
      { key: 'k1', value: 1 },
      { key: 'k2', value: undefined },
      { key: 'k3', value: { deep: [new Date(0)] } },
    ]);
    reads.getMany = reads.get = 0;
    expect(await cache.getMany(['k3', 'k2', 'k1'])).toEqual([
      { deep: [new Date(0)] },
      undefined,
      1,
    ]);
    expect(reads.getMany).toBe(1);
    expect(reads.get).toBe(0);
  });

  it('a DataLoader-style batch function built on wrapMany answers from the cache', async () => {
    let batches = 0;
    const batch = (ids: readonly string[]) =>
      cache.wrapMany(
        ids,
        (id) => `p:${id}`,
        async (missing) => (batches++, missing.map((id) => ({ id }))),
      );
    await batch(['1', '2']);
    await batch(['2', '1', '3']);
    expect(batches).toBe(2);
    await cache.invalidateTags([]);
    await cache.delete('p:1');
    expect(await batch(['1', '2', '3'])).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }]);
    expect(batches).toBe(3);
  });
});
