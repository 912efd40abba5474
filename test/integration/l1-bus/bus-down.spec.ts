import { redisStore, RedisStore } from 'nestjs-cached/redis';
import { bootInstance, CacheInstance } from '../helpers/cache-instance';
import { eventually } from '../helpers/eventually';
import { RedisServer } from '../helpers/redis-server';

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('redisStore while its bus is down', () => {
  let server: RedisServer;
  let a: CacheInstance;
  let b: CacheInstance;

  beforeAll(async () => {
    server = await RedisServer.start();
    a = await bootInstance(redisStore({ url: server.url }), { storeTimeout: 100 });
    b = await bootInstance(redisStore({ url: server.url }), { storeTimeout: 100 });
    await eventually(() => expect((b.store as RedisStore).busLive('cache')).toBe(true));
  });
  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    await server?.stop();
  });

  it('reads Redis, not L1, while its subscriber is down; reads L1 when Redis itself fails', async () => {
    const storeB = b.store as RedisStore;
    const busB = (storeB as unknown as { bus: { live: () => boolean } }).bus;
    const busA = (a.store as unknown as { bus: { publish: () => void } }).bus;
    await a.cache.set('k', 'v1');
    await a.cache.set('other', 'kept');
    await settle();
    expect(await b.cache.get('k')).toBe('v1');
    expect(await b.cache.get('other')).toBe('kept');
    expect(storeB.l1Size).toBeGreaterThan(0);

    const live = jest.spyOn(busB, 'live').mockReturnValue(false); // B's subscriber is down
    const publish = jest.spyOn(busA, 'publish').mockImplementation(() => undefined); // lost
    await a.cache.set('k', 'v2');
    expect(await b.cache.get('k')).toBe('v2'); // from Redis: L1 is not trusted

    await server.kill(); // now Redis fails too: L1 is all there is
    for (let i = 0; i < 6; i++) await b.cache.get('missing'); // the breaker opens
    expect(storeB.circuit).toBe('open');
    expect(await b.cache.get('other')).toBe('kept'); // from L1
    expect(await b.cache.get('k')).toBeUndefined(); // L1's 'v1' was contradicted by Redis: dropped
    publish.mockRestore();
    live.mockRestore();
    await server.restart();
  });
});
