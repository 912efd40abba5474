import { redisStore, RedisStore } from 'nestjs-cached/redis';
import { bootInstance, CacheInstance } from '../helpers/cache-instance';
import { eventually } from '../helpers/eventually';
import { redisAdmin } from '../helpers/redis-admin';
import { RedisServer } from '../helpers/redis-server';

/** Counts the Redis reads an instance's store sends (one MGET = one round trip on standalone). */
/** Lets A's own bus message (published just after its write) reach the other instances. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

function countReads(store: RedisStore): { reads: number } {
  const backend = (store as unknown as { backend: { mget: (...a: unknown[]) => unknown } }).backend;
  const counter = { reads: 0 };
  const mget = backend.mget.bind(backend);
  backend.mget = (...args: unknown[]) => (counter.reads++, mget(...args));
  return counter;
}

describe('redisStore L1 kept coherent across instances by the bus', () => {
  let server: RedisServer;
  let instances: CacheInstance[] = [];
  const boot = async (count: number) => {
    for (let i = 0; i < count; i++) {
      instances.push(await bootInstance(redisStore({ url: server.url })));
    }
    // Every subscriber is live before the test writes (a real fleet has long been up).
    await eventually(() =>
      instances.forEach((i) => expect((i.store as RedisStore).busLive('cache')).toBe(true)),
    );
    return instances;
  };

  beforeAll(async () => (server = await RedisServer.start()));
  afterAll(async () => server?.stop());
  afterEach(async () => {
    await Promise.all(instances.map((i) => i.app.close()));
    instances = [];
    const admin = await redisAdmin(server.url);
    await admin.flushDb();
    admin.destroy();
  });

  it('serves an L1 hit with no Redis round trip, and a Redis hit with one', async () => {
    const [a, b] = await boot(2);
    await a.cache.set('product:1', { name: 'one' }, { tags: ['products', 'product:1'] });
    await settle();
    const readsB = countReads(b.store as RedisStore);
    expect(await b.cache.get('product:1')).toEqual({ name: 'one' }); // first sight: entry, then tags
    expect(readsB.reads).toBe(2);
    readsB.reads = 0;
    expect(await b.cache.get('product:1')).toEqual({ name: 'one' });
    expect(readsB.reads).toBe(0);
    const readsA = countReads(a.store as RedisStore);
    expect(await a.cache.get('product:1')).toEqual({ name: 'one' });
    expect(readsA.reads).toBe(0);
  });

  it('without L1, serves a Redis hit in one round trip once it knows the entry tags', async () => {
    const [a] = await boot(1);
    const remote = await bootInstance(redisStore({ url: server.url, l1: false }));
    instances.push(remote);
    await a.cache.set('product:2', { name: 'two' }, { tags: ['products', 'product:2'] });
    const reads = countReads(remote.store as RedisStore);
    expect(await remote.cache.get('product:2')).toEqual({ name: 'two' });
    expect(reads.reads).toBe(2); // first sight: the entry, then its tag versions
    for (let i = 0; i < 5; i++) {
      reads.reads = 0;
      expect(await remote.cache.get('product:2')).toEqual({ name: 'two' });
      expect(reads.reads).toBe(1); // entry and tag versions in one MGET
    }
    await a.cache.invalidateTags('product:2');
    expect(await remote.cache.get('product:2')).toBeUndefined(); // no L1: seen at once
  });

  it('bounds L1 (1,000 entries by default)', async () => {
    const [a] = await boot(1);
    for (let i = 0; i < 1_500; i++) await a.cache.set(`bulk:${i}`, i);
    expect((a.store as RedisStore).l1Size).toBeLessThanOrEqual(1_000);
    expect(await a.cache.get('bulk:3')).toBe(3); // evicted from L1, still in Redis
  });

  it('drops an overwritten entry from every other instance (3 instances)', async () => {
    const [a, b, c] = await boot(3);
    await a.cache.set('k', 'v1');
    expect(await b.cache.get('k')).toBe('v1');
    expect(await c.cache.get('k')).toBe('v1');
    await a.cache.set('k', 'v2');
    await eventually(async () => expect(await b.cache.get('k')).toBe('v2'), 1_000);
    await eventually(async () => expect(await c.cache.get('k')).toBe('v2'), 1_000);
  });

  it('drops a deleted entry from every other instance', async () => {
    const [a, b, c] = await boot(3);
    await a.cache.set('k', 'v1');
    expect(await b.cache.get('k')).toBe('v1');
    expect(await c.cache.get('k')).toBe('v1');
    await c.cache.delete('k');
    await eventually(async () => expect(await a.cache.get('k')).toBeUndefined(), 1_000);
    await eventually(async () => expect(await b.cache.get('k')).toBeUndefined(), 1_000);
  });

  it('invalidates a tag on every instance, tag versions held in L1 included', async () => {
    const [a, b] = await boot(2);
    await a.cache.set('p:1', 'one', { tags: ['products'] });
    await a.cache.set('p:2', 'two', { tags: ['other'] });
    expect(await b.cache.get('p:1')).toBe('one');
    expect(await b.cache.get('p:1')).toBe('one'); // now from B's L1, tag version included
    await a.cache.invalidateTags('products');
    await eventually(async () => expect(await b.cache.get('p:1')).toBeUndefined(), 1_000);
    expect(await b.cache.get('p:2')).toBe('two');
  });

  it('clears this namespace from every instance L1', async () => {
    const [a, b, c] = await boot(3);
    await a.cache.set('x', 1);
    await a.cache.set('y', 2);
    expect(await b.cache.get('x')).toBe(1);
    expect(await c.cache.get('y')).toBe(2);
    await b.cache.clear();
    await eventually(async () => {
      expect(await a.cache.get('x')).toBeUndefined();
      expect(await c.cache.get('y')).toBeUndefined();
    }, 1_000);
  });

  it('ignores its own messages', async () => {
    const [a] = await boot(2);
    const received = jest.spyOn(a.store as never, 'received' as never);
    await a.cache.set('k', 'v');
    await a.cache.delete('k');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).not.toHaveBeenCalled();
  });

  it('never serves an old value after its subscriber was cut (CLIENT KILL TYPE pubsub)', async () => {
    const [a, b] = await boot(2);
    const storeB = b.store as RedisStore;
    for (let round = 0; round < 5; round++) {
      await a.cache.set('k', `old${round}`);
      await settle();
      expect(await b.cache.get('k')).toBe(`old${round}`);
      expect(storeB.l1Size).toBeGreaterThan(0);
      const reconnects = storeB.busReconnects;
      await killSubscribers();
      await a.cache.set('k', `new${round}`); // its message may reach B's subscriber, or be lost
      await eventually(() => expect(storeB.busReconnects).toBe(reconnects + 1), 2_000);
      for (let i = 0; i < 10; i++) expect(await b.cache.get('k')).toBe(`new${round}`);
    }
  });

  it('flushes L1 when the subscriber reconnects, so a message lost meanwhile costs nothing', async () => {
    const [a, b] = await boot(2);
    const storeB = b.store as RedisStore;
    await a.cache.set('k', 'old');
    await settle();
    expect(await b.cache.get('k')).toBe('old');
    expect(await b.cache.get('k')).toBe('old'); // from L1
    const bus = (a.store as unknown as { bus: { publish: () => void } }).bus;
    const publish = jest.spyOn(bus, 'publish').mockImplementation(() => undefined); // lost
    await a.cache.set('k', 'new');
    publish.mockRestore();
    expect(await b.cache.get('k')).toBe('old'); // the lost message: B's L1 still holds 'old'
    const reconnects = storeB.busReconnects;
    await killSubscribers();
    await eventually(() => expect(storeB.busReconnects).toBe(reconnects + 1), 2_000);
    expect(await b.cache.get('k')).toBe('new');
  });

  async function killSubscribers(): Promise<void> {
    const admin = await redisAdmin(server.url);
    await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    admin.destroy();
  }
});
