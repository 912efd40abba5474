import { redisStore, RedisStore } from 'nestjs-cached/redis';
import { bootInstance, CacheInstance } from '../helpers/cache-instance';
import { eventually } from '../helpers/eventually';
import { redisAdmin } from '../helpers/redis-admin';
import { RedisServer } from '../helpers/redis-server';

describe('redisStore namespaces on one Redis', () => {
  let server: RedisServer;
  let shop: CacheInstance;
  let blog: CacheInstance;
  let admin: Awaited<ReturnType<typeof redisAdmin>>;

  beforeAll(async () => {
    server = await RedisServer.start();
    admin = await redisAdmin(server.url);
    shop = await bootInstance(redisStore({ url: server.url }), { namespace: 'shop' });
    blog = await bootInstance(redisStore({ url: server.url }), { namespace: 'blog' });
    await eventually(() => {
      expect((shop.store as RedisStore).busLive('shop')).toBe(true);
      expect((blog.store as RedisStore).busLive('blog')).toBe(true);
    });
  });
  afterAll(async () => {
    await shop?.app.close();
    await blog?.app.close();
    admin?.destroy();
    await server?.stop();
  });

  it('keeps entries apart, and clear() removes its own namespace only (never FLUSHDB)', async () => {
    await admin.set('unrelated', 'app data');
    await admin.set('shopping', 'another app');
    await shop.cache.set('k', 'shop value', { tags: ['t'] });
    await blog.cache.set('k', 'blog value', { tags: ['t'] });
    for (let i = 0; i < 1_200; i++) await shop.cache.set(`bulk:${i}`, i); // several SCAN pages
    expect(await shop.cache.get('k')).toBe('shop value');
    expect(await blog.cache.get('k')).toBe('blog value');
    await shop.cache.invalidateTags('t');
    expect(await blog.cache.get('k')).toBe('blog value');
    await shop.cache.clear();
    expect(await shop.cache.get('k')).toBeUndefined();
    expect(await shop.cache.get('bulk:7')).toBeUndefined();
    expect(await blog.cache.get('k')).toBe('blog value');
    const left = ((await admin.keys('*')) as string[]).sort();
    expect(left.filter((k) => k.startsWith('shop:'))).toEqual([]);
    expect(left).toEqual(expect.arrayContaining(['unrelated', 'shopping', 'blog:e:{k}']));
  });

  it('never sends one namespace the bus messages of another', async () => {
    const heard: string[] = [];
    const listener = admin.duplicate();
    listener.on('error', () => undefined);
    await listener.connect();
    await listener.pSubscribe('*', (message, channel) => heard.push(`${channel} ${message}`));
    try {
      const received = jest.spyOn(blog.store as never, 'received' as never);
      await shop.cache.set('x', 1);
      await shop.cache.delete('x');
      await eventually(() => expect(heard.length).toBeGreaterThan(0), 1_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heard.every((line) => line.startsWith('shop:__bus '))).toBe(true);
      expect(received).not.toHaveBeenCalled();
      const channels = (await admin.sendCommand(['PUBSUB', 'CHANNELS'])) as string[];
      expect(channels.sort()).toEqual(expect.arrayContaining(['blog:__bus', 'shop:__bus']));
    } finally {
      listener.destroy();
    }
  });
});
