import { Injectable } from '@nestjs/common';
import { Cached } from 'nestjs-cached';
import { redisStore, RedisStore } from 'nestjs-cached/redis';
import { watchUnhandledRejections } from '../../e2e/helpers/unhandled-rejections';
import { bootInstance } from '../helpers/cache-instance';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/free-port';
import { RedisCluster } from '../helpers/redis-cluster';

@Injectable()
class Catalog {
  runs = 0;
  @Cached({ ttl: '1m', tags: ['product:{0}'] })
  async find(id: string) {
    this.runs++;
    return { id };
  }
}

describe('redisStore on Redis Cluster when nodes fail', () => {
  const rejections = watchUnhandledRejections();
  afterAll(() => rejections.stop());

  it('boots and serves when no node answers', async () => {
    const rootNodes = [`redis://127.0.0.1:${await freePort()}`];
    const instance = await bootInstance(redisStore({ cluster: { rootNodes } }), {
      storeTimeout: 100,
      providers: [Catalog],
    });
    try {
      const catalog = instance.app.get(Catalog);
      expect(await catalog.find('1')).toEqual({ id: '1' });
      expect(await catalog.find('1')).toEqual({ id: '1' });
      await expect(instance.cache.set('k', 1)).resolves.toBeUndefined();
      await expect(instance.cache.delete('k')).rejects.toThrow();
    } finally {
      await instance.app.close();
    }
    expect(rejections.reasons).toEqual([]);
  });

  it('keeps answering when a master is killed', async () => {
    const cluster = await RedisCluster.start();
    const store = redisStore({ cluster: { rootNodes: cluster.rootNodes } });
    const instance = await bootInstance(store, { storeTimeout: 100, providers: [Catalog] });
    const catalog = instance.app.get(Catalog);
    try {
      for (let i = 0; i < 50; i++) await catalog.find(String(i));
      const runs = catalog.runs;
      for (let i = 0; i < 50; i++) await catalog.find(String(i));
      expect(catalog.runs).toBe(runs); // all cached
      await cluster.nodes[1].kill();
      const started = Date.now();
      let slowest = 0;
      for (let i = 0; i < 200; i++) {
        const t = Date.now();
        expect(await catalog.find(`after-${i % 60}`)).toEqual({ id: `after-${i % 60}` });
        slowest = Math.max(slowest, Date.now() - t);
      }
      console.log(
        `[figures] Cluster master killed: 200 calls answered in ${Date.now() - started} ms, ` +
          `slowest ${slowest} ms, circuit ${(store as RedisStore).circuit}`,
      );
      expect(slowest).toBeLessThan(3 * 100 + 400);
    } finally {
      await instance.app.close();
      await cluster.stop();
    }
    expect(rejections.reasons).toEqual([]);
  });

  it('moves the bus to another master when its node dies', async () => {
    const cluster = await RedisCluster.start();
    const store = redisStore({ cluster: { rootNodes: cluster.rootNodes } }) as RedisStore;
    const instance = await bootInstance(store, { storeTimeout: 100 });
    try {
      await eventually(() => expect(store.busLive('cache')).toBe(true), 5_000);
      const host = await cluster.nodeWithSubscriber();
      await host.kill();
      const killed = Date.now();
      await eventually(() => expect(store.busLive('cache')).toBe(false), 2_000);
      await eventually(() => expect(store.busLive('cache')).toBe(true), 5_000);
      console.log(
        `[figures] Cluster: bus live again on another master ${Date.now() - killed} ms after its node died`,
      );
      expect(await cluster.nodeWithSubscriber()).not.toBe(host);
    } finally {
      await instance.app.close();
      await cluster.stop();
    }
    expect(rejections.reasons).toEqual([]);
  });
});
