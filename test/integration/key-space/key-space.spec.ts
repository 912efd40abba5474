import { Injectable, NotFoundException } from '@nestjs/common';
import { Cached } from 'nestjs-cached';
import { redisStore } from 'nestjs-cached/redis';
import { bootInstance, CacheInstance } from '../helpers/cache-instance';
import { redisAdmin } from '../helpers/redis-admin';
import { RedisServer } from '../helpers/redis-server';

const KNOWN = new Set(['1', '2', '3']);

@Injectable()
class Products {
  runs = 0;
  @Cached({ ttl: '1m', key: 'product:{0}', tags: ['product:{0}'] })
  async find(id: string) {
    this.runs++;
    if (!KNOWN.has(id)) throw new NotFoundException();
    return { id };
  }
}

describe('redisStore key space', () => {
  let server: RedisServer;
  let admin: Awaited<ReturnType<typeof redisAdmin>>;
  let instance: CacheInstance | undefined;
  const keys = async () => ((await admin.keys('*')) as string[]).sort();

  beforeAll(async () => {
    server = await RedisServer.start();
    admin = await redisAdmin(server.url);
  });
  afterAll(async () => {
    admin?.destroy();
    await server?.stop();
  });
  afterEach(async () => {
    await instance?.app.close();
    instance = undefined;
    await admin.flushDb();
  });

  it('starts every key with the namespace exactly once and puts no space or break in any', async () => {
    instance = await bootInstance(redisStore({ url: server.url }), { namespace: 'shop' });
    const { cache } = instance;
    const awkward = ['a b', 'line\nbreak', 'tab\there', 'cr\rlf', 'brace{x}', '100%', 'é ✓', ''];
    for (const key of awkward) await cache.set(key, key, { tags: [`tag ${key}`] });
    await cache.set('user:7', 7);
    // Tag versions exist once a tag is invalidated (reads and writes create none).
    await cache.invalidateTags(awkward.map((key) => `tag ${key}`));
    for (const key of awkward) await cache.set(key, key, { tags: [`tag ${key}`] });
    const stored = await keys();
    expect(stored.filter((key) => key.startsWith('shop:e:'))).toHaveLength(awkward.length + 1);
    expect(stored.filter((key) => key.startsWith('shop:t:'))).toHaveLength(awkward.length);
    for (const key of stored) {
      // one prefix, one hash tag after it (entries, tag versions, lifetime marks)
      expect(key).toMatch(/^shop:(e|t|m):\{[^{}]*\}$/);
      expect(key).not.toMatch(/\s/);
      expect(key.startsWith('shop:shop')).toBe(false);
      expect(key).not.toContain('keyv');
    }
    expect(stored).toContain('shop:e:{user:7}'); // plain keys stay readable
    for (const key of awkward) expect(await cache.get(key)).toBe(key); // and encoding round-trips
  });

  it('gives every key a TTL except what an Infinity entry needs', async () => {
    instance = await bootInstance(redisStore({ url: server.url }));
    const { cache } = instance;
    await cache.set('short', 1, { ttl: '1m', tags: ['t1'] });
    await cache.set('forever', 2, { ttl: Infinity, tags: ['t2'] });
    await cache.invalidateTags(['t1', 't2']);
    await cache.set('short', 1, { ttl: '1m', tags: ['t1'] });
    await cache.set('forever', 2, { ttl: Infinity, tags: ['t2'] });
    const stored = await keys();
    expect(stored).toEqual(
      expect.arrayContaining([
        'cache:e:{forever}',
        'cache:e:{short}',
        'cache:t:{t1}',
        'cache:t:{t2}',
      ]),
    );
    for (const key of stored) {
      const ttl = await admin.pTTL(key);
      if (key === 'cache:e:{forever}') expect(ttl).toBe(-1);
      // What an Infinity entry relies on (its tag's version and mark) may live forever.
      else if (key === 'cache:t:{t2}' || key.startsWith('cache:m:{i:')) {
        expect(ttl === -1 || ttl > 0).toBe(true);
      } else expect(ttl).toBeGreaterThan(0);
    }
  });

  it('does not grow when clients request 10,000 unknown ids of a method with a templated tag', async () => {
    instance = await bootInstance(redisStore({ url: server.url }), { providers: [Products] });
    const products = instance.app.get(Products);
    for (const id of KNOWN) await products.find(id);
    const stored = await admin.dbSize();
    for (let i = 0; i < 10_000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          products.find(`unknown-${i + j}`).catch((error) => error),
        ),
      );
    }
    expect(products.runs).toBe(KNOWN.size + 10_000);
    const after = await admin.dbSize();
    console.log(`[figures] DBSIZE after 10,000 unknown ids: ${after} (${stored} before)`);
    expect(after).toBeLessThanOrEqual(stored);
  });
});
