import { redisStore, RedisStore } from 'nestjs-cached/redis';
import { runStoreContract } from '../../unit/stores/store-contract';
import { bootInstance, CacheInstance } from '../helpers/cache-instance';
import { eventually } from '../helpers/eventually';
import { RedisCluster } from '../helpers/redis-cluster';

let cluster: RedisCluster;
beforeAll(async () => (cluster = await RedisCluster.start()), 30_000);
afterAll(async () => cluster?.stop());

runStoreContract('redisStore (Redis Cluster)', () =>
  redisStore({ cluster: { rootNodes: cluster.rootNodes } }),
);

describe('redisStore on a 3-master Redis Cluster', () => {
  let a: CacheInstance;
  let b: CacheInstance;
  beforeAll(async () => {
    a = await bootInstance(redisStore({ cluster: { rootNodes: cluster.rootNodes } }));
    b = await bootInstance(redisStore({ cluster: { rootNodes: cluster.rootNodes.slice(1) } }));
    await eventually(() => {
      expect((a.store as RedisStore).busLive('cache')).toBe(true);
      expect((b.store as RedisStore).busLive('cache')).toBe(true);
    }, 5_000);
  });
  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
  });

  it('gets, sets, tags and clears across many slots without CROSSSLOT', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => i);
    for (const id of ids) {
      await a.cache.set(`p:${id}`, { id }, { tags: ['all', `p:${id}`, `group:${id % 7}`] });
    }
    // Spread over every master (the hash tag follows the namespace prefix).
    for (const keys of await cluster.keysPerNode('cache:*'))
      expect(keys.length).toBeGreaterThan(50);
    for (const id of ids) expect(await b.cache.get(`p:${id}`)).toEqual({ id });
    await b.cache.delete(ids.slice(0, 50).map((id) => `p:${id}`)); // one UNLINK per slot
    await eventually(async () => expect(await a.cache.get('p:10')).toBeUndefined(), 1_000);
    await b.cache.invalidateTags(['group:3', 'p:99']);
    await eventually(async () => {
      expect(await a.cache.get('p:52')).toBeUndefined(); // group 3
      expect(await a.cache.get('p:99')).toBeUndefined();
    }, 1_000);
    expect(await a.cache.get('p:51')).toEqual({ id: 51 });
    await a.cache.clear();
    await eventually(async () => expect(await b.cache.get('p:51')).toBeUndefined(), 1_000);
    expect((await cluster.keys('cache:*')).length).toBe(0);
    expect(a.cache.stats().errors + b.cache.stats().errors).toBe(0);
  });

  it('keeps both instances L1 coherent over the bus', async () => {
    await a.cache.set('k', 'v1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await b.cache.get('k')).toBe('v1');
    expect(await b.cache.get('k')).toBe('v1'); // from B's L1
    await a.cache.set('k', 'v2');
    await eventually(async () => expect(await b.cache.get('k')).toBe('v2'), 1_000);
    await a.cache.delete('k');
    await eventually(async () => expect(await b.cache.get('k')).toBeUndefined(), 1_000);
  });
});
