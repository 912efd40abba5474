import { Controller, Get, Param } from '@nestjs/common';
import { Cached, CacheService } from 'nestjs-cached';
import { redisStore, RedisStore } from 'nestjs-cached/redis';
import { watchUnhandledRejections } from '../../e2e/helpers/unhandled-rejections';
import { bootInstance, CacheInstance } from '../helpers/cache-instance';
import { eventually } from '../helpers/eventually';
import { load } from '../helpers/load';
import { bootHttpInstance } from '../helpers/http-instance';
import { RedisServer } from '../helpers/redis-server';

const STORE_TIMEOUT = 100;

@Controller('items')
class ItemsController {
  @Get(':id')
  @Cached({ ttl: '1m', tags: ['item:{params.id}'] })
  findOne(@Param('id') id: string) {
    return { id };
  }
}

describe('redisStore under attack', () => {
  const rejections = watchUnhandledRejections();
  afterAll(() => rejections.stop());

  it('answers every request within the store timeouts while Redis hangs (SIGSTOP)', async () => {
    const server = await RedisServer.start();
    const { app, port, cache } = await bootHttpInstance(
      redisStore({ url: server.url }),
      [ItemsController],
      { storeTimeout: STORE_TIMEOUT },
    );
    const url = (i: number) => `http://127.0.0.1:${port}/items/${i % 50}`;
    try {
      await load(url, 200, 20); // warm: entries in Redis and L1
      server.pause();
      // Unknown ids: every request misses L1 and needs Redis.
      const hung = await load((i) => `http://127.0.0.1:${port}/items/new-${i}`, 400, 20);
      const store = app.get(CacheService)['engine'].store as RedisStore;
      console.log(
        `[figures] Redis hung (SIGSTOP): ${hung.sent} requests, ${hung.failed} failed, ` +
          `slowest ${hung.slowestMs.toFixed(0)} ms, circuit ${store.circuit}`,
      );
      expect(hung.failed).toBe(0);
      expect(hung.slowestMs).toBeLessThan(3 * STORE_TIMEOUT + 500);
      expect(store.circuit).not.toBe('closed'); // it stopped calling a hung Redis
      server.resume();
      const resumed = Date.now();
      await eventually(async () => {
        await cache.get('probe'); // traffic lets the breaker probe
        expect(store.circuit).toBe('closed');
      }, 5_000);
      console.log(
        `[figures] Redis resumed (SIGCONT): circuit closed in ${Date.now() - resumed} ms`,
      );
    } finally {
      server.resume();
      await app.close();
      await server.stop();
    }
    expect(rejections.reasons).toEqual([]);
  });

  describe('two instances', () => {
    let server: RedisServer;
    let a: CacheInstance;
    let b: CacheInstance;
    beforeAll(async () => {
      server = await RedisServer.start();
      a = await bootInstance(redisStore({ url: server.url }));
      b = await bootInstance(redisStore({ url: server.url }));
      await eventually(() => {
        expect((a.store as RedisStore).busLive('cache')).toBe(true);
        expect((b.store as RedisStore).busLive('cache')).toBe(true);
      });
    });
    afterAll(async () => {
      await a?.app.close();
      await b?.app.close();
      await server?.stop();
    });

    it('agree with Redis after writing the same keys concurrently', async () => {
      for (let round = 0; round < 20; round++) {
        const key = `same:${round % 3}`;
        await Promise.all([
          a.cache.set(key, `a${round}`),
          b.cache.set(key, `b${round}`),
          a.cache.get(key),
          b.cache.get(key),
        ]);
      }
      const redisOnly = await bootInstance(redisStore({ url: server.url, l1: false }));
      try {
        await eventually(async () => {
          for (let i = 0; i < 3; i++) {
            const key = `same:${i}`;
            const inRedis = await redisOnly.cache.get(key);
            expect(inRedis).toBeDefined();
            expect(await a.cache.get(key)).toBe(inRedis);
            expect(await b.cache.get(key)).toBe(inRedis);
          }
        }, 2_000);
      } finally {
        await redisOnly.app.close();
      }
    });

    it('never serves, once the bus delivered, a value computed before a tag invalidation', async () => {
      for (let round = 0; round < 5; round++) {
        const key = `computed:${round}`;
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const computing = b.cache.wrap(key, async () => (await gate, 'old'), { tags: ['t'] });
        await new Promise((resolve) => setTimeout(resolve, 20)); // B has read the tag versions
        await a.cache.invalidateTags('t');
        release();
        expect(await computing).toBe('old'); // its caller gets it; nobody else may
        await eventually(async () => {
          expect(await a.cache.get(key)).toBeUndefined();
          expect(await b.cache.get(key)).toBeUndefined();
        }, 1_000);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(await a.cache.get(key)).toBeUndefined();
        expect(await b.cache.get(key)).toBeUndefined();
      }
    });

    it('never resurrects a deleted value from a read that raced with the delete', async () => {
      for (let round = 0; round < 30; round++) {
        await a.cache.set('race', round);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const read = b.cache.get('race'); // in flight while A deletes
        await a.cache.delete('race');
        await read;
        await eventually(async () => expect(await b.cache.get('race')).toBeUndefined(), 1_000);
        expect(await b.cache.get('race')).toBeUndefined();
      }
    });
  });
});
