import { Controller, Get, Injectable, Param } from '@nestjs/common';
import { Cached, CacheService } from 'nestjs-cached';
import { redisStore, RedisStore } from 'nestjs-cached/redis';
import { watchUnhandledRejections } from '../../e2e/helpers/unhandled-rejections';
import { bootInstance } from '../helpers/cache-instance';
import { freePort } from '../helpers/free-port';
import { load, slowestSince } from '../helpers/load';
import { bootHttpInstance } from '../helpers/http-instance';
import { RedisServer } from '../helpers/redis-server';

const STORE_TIMEOUT = 100;
const HANDLER_MS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
class Catalog {
  runs = 0;
  @Cached({ ttl: '1m', tags: ['product:{0}'] })
  async find(id: string) {
    this.runs++;
    return { id };
  }
}

@Controller('items')
class ItemsController {
  @Get(':id')
  @Cached({ ttl: '1m', tags: ['item:{params.id}'] })
  async findOne(@Param('id') id: string) {
    await sleep(HANDLER_MS);
    return { id };
  }
}

/** Polls until a value written now reads back from Redis (not L1): caching has resumed. */
async function timeToResume(cache: CacheService, deadlineMs: number): Promise<number> {
  const started = Date.now();
  for (let i = 0; Date.now() - started < deadlineMs; i++) {
    await cache.set(`probe:${i}`, i);
    if ((await cache.get(`probe:${i}`)) === i && (await cache.stats()).errors >= 0) {
      return Date.now() - started;
    }
    await sleep(20);
  }
  throw new Error(`caching did not resume within ${deadlineMs} ms`);
}

describe('redisStore when Redis fails', () => {
  const rejections = watchUnhandledRejections();
  afterAll(() => rejections.stop());

  it('boots and serves with Redis down, fails open, then resumes within 5 s of Redis starting', async () => {
    const port = await freePort();
    const store = redisStore({ url: `redis://127.0.0.1:${port}` });
    const instance = await bootInstance(store, {
      storeTimeout: STORE_TIMEOUT,
      providers: [Catalog],
    });
    const catalog = instance.app.get(Catalog);
    const cache = instance.cache;
    try {
      expect(await catalog.find('1')).toEqual({ id: '1' });
      expect(await catalog.find('1')).toEqual({ id: '1' });
      expect(catalog.runs).toBe(2); // no cache, but answers
      expect(await cache.get('k')).toBeUndefined();
      await expect(cache.set('k', 1)).resolves.toBeUndefined();
      expect(await cache.wrap('w', async () => 'computed')).toBe('computed');
      await expect(cache.delete('k')).rejects.toThrow();
      await expect(cache.invalidateTags('t')).rejects.toThrow();
      await expect(cache.clear()).rejects.toThrow();
      expect(cache.stats().errors).toBeGreaterThan(0);
      for (let i = 0; i < 5; i++) await cache.get(`miss:${i}`);
      expect((store as RedisStore).circuit).toBe('open'); // stops calling a dead Redis

      const server = await RedisServer.startOn(port);
      try {
        const resumedIn = await timeToResume(cache, 5_000);
        console.log(
          `[figures] Redis down at boot: caching resumed ${resumedIn} ms after Redis started`,
        );
        expect(resumedIn).toBeLessThan(5_000);
        await catalog.find('2');
        await catalog.find('2');
        expect(catalog.runs).toBe(3);
        expect(store.circuit).toBe('closed');
      } finally {
        await server.stop();
      }
    } finally {
      await instance.app.close();
    }
    expect(rejections.reasons).toEqual([]);
  });

  it('loses no request when Redis is killed under load, and resumes after it restarts', async () => {
    const server = await RedisServer.start();
    const { app, port, cache } = await bootHttpInstance(
      redisStore({ url: server.url }),
      [ItemsController],
      { storeTimeout: STORE_TIMEOUT },
    );
    let killedAt = 0;
    let killedTime = Infinity;
    try {
      const result = await load(
        (i) => `http://127.0.0.1:${port}/items/${i % 200}`,
        2_000,
        50,
        async (done) => {
          if (done === 500) {
            killedAt = done;
            await server.kill();
            killedTime = performance.now();
          }
        },
      );
      const slowestWhileDown = slowestSince(result, killedTime);
      const byStart = [...result.timings].sort((x, y) => x.startedAt - y.startedAt);
      const slowestCold = Math.max(...byStart.slice(0, 50).map((t) => t.ms));
      const slowestWarmUp = Math.max(
        ...byStart
          .filter((t) => t.startedAt < killedTime)
          .slice(50)
          .map((t) => t.ms),
      );
      console.log(
        `[figures] Redis killed after ${killedAt} of ${result.sent} requests (50 concurrent): ` +
          `${result.failed} failed; slowest response ${result.slowestMs.toFixed(0)} ms overall, ` +
          `${slowestWhileDown.toFixed(0)} ms once Redis was down, ` +
          `${slowestWarmUp.toFixed(0)} ms before (${slowestCold.toFixed(0)} ms for the first 50, cold)`,
      );
      expect(result.failed).toBe(0);
      // A miss makes at most three store calls, each bounded by storeTimeout; plus the handler and
      // room for a 2-core machine shared with other test runs.
      expect(slowestWhileDown).toBeLessThan(3 * STORE_TIMEOUT + HANDLER_MS + 500);

      await server.restart();
      const resumedIn = await timeToResume(cache, 5_000);
      console.log(`[figures] Redis restarted: caching resumed in ${resumedIn} ms`);
      expect(resumedIn).toBeLessThan(5_000);
    } finally {
      await app.close();
      await server.stop();
    }
    expect(rejections.reasons).toEqual([]);
  });
});
