import { Controller, Get, Param } from '@nestjs/common';
import { Cached } from 'nestjs-cached';
import { redisStore, RedisStore } from 'nestjs-cached/redis';
import { watchUnhandledRejections } from '../../e2e/helpers/unhandled-rejections';
import { bootInstance, CacheInstance } from '../helpers/cache-instance';
import { burst } from '../helpers/burst';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/free-port';
import { bootHttpInstance, HttpInstance } from '../helpers/http-instance';
import { redisAdmin } from '../helpers/redis-admin';
import { RedisCluster } from '../helpers/redis-cluster';
import { RedisServer } from '../helpers/redis-server';

/** Distributed single-flight when a holder dies or Redis fails. */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LEASE = { lease: '600ms', wait: '30s' } as const;

const runs = new Map<string, number>();
const ran = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1).get(key)!;

@Controller('items')
class ItemsController {
  @Get(':id')
  @Cached({ ttl: '1m', distributedLock: true })
  async find(@Param('id') id: string) {
    ran(id);
    await sleep(200);
    return { id };
  }
}

/** Resolves when a lock key exists anywhere in `keys()`. */
async function lockTaken(keys: () => Promise<string[]>): Promise<void> {
  await eventually(async () => expect((await keys()).some((k) => k.includes(':lock:'))).toBe(true));
}

type Topology = 'standalone' | 'cluster';

describe.each<Topology>(['standalone', 'cluster'])(
  'distributed single-flight when the holder dies (%s)',
  (topology) => {
    const rejections = watchUnhandledRejections();
    let server: RedisServer | undefined;
    let cluster: RedisCluster | undefined;
    const open: CacheInstance[] = [];
    const store = () =>
      topology === 'standalone'
        ? redisStore({ url: server!.url })
        : redisStore({ cluster: { rootNodes: cluster!.rootNodes } });
    const keys = () => (server ? adminKeys(server.url) : cluster!.keys());

    beforeAll(async () => {
      if (topology === 'standalone') server = await RedisServer.start();
      else cluster = await RedisCluster.start(3);
    }, 60_000);

    afterAll(async () => {
      await Promise.all(open.map((instance) => instance.app.close()));
      await server?.stop();
      await cluster?.stop();
      rejections.stop();
      expect(rejections.reasons).toEqual([]);
    }, 30_000);

    it('a holder whose connection is gone: another instance proceeds after the lease', async () => {
      const [holder, other] = [await bootInstance(store()), await bootInstance(store())];
      open.push(holder, other);
      const key = `conn:${topology}`;
      // The holder's factory never ends: only the lease running out frees the key.
      void holder.cache.wrap(key, () => new Promise<never>(() => undefined), {
        distributedLock: LEASE,
      });
      await lockTaken(keys);
      await (holder.store as RedisStore).close(); // its connection dies: no more renewals
      const started = Date.now();
      const value = await other.cache.wrap(key, async () => 'computed elsewhere', {
        distributedLock: LEASE,
      });
      expect(value).toBe('computed elsewhere');
      // Well before `wait` (30 s): the lease (600 ms) plus one poll let it through.
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('a live holder renews its lease: a computation 3x longer than the lease still runs once', async () => {
      const [a, b] = [await bootInstance(store()), await bootInstance(store())];
      open.push(a, b);
      const key = `renew:${topology}`;
      const options = { distributedLock: { lease: '300ms', wait: '10s' } } as const;
      let runs = 0;
      const factory = async () => {
        runs++;
        await sleep(1_000);
        return 'once';
      };
      const first = a.cache.wrap(key, factory, options);
      await lockTaken(keys);
      const values = await Promise.all([first, b.cache.wrap(key, factory, options)]);
      expect(values).toEqual(['once', 'once']);
      expect(runs).toBe(1);
    });

    it('a holder process that died: its lock expires and another instance proceeds', async () => {
      const other = await bootInstance(store());
      open.push(other);
      const key = `process:${topology}`;
      // What a killed process leaves behind: its lock, with its lease running, never released.
      const lock = `cache:lock:e:{${key}}`;
      await setRaw(lock, 'token-of-a-dead-process', 600);
      let ranAt = 0;
      const started = Date.now();
      const value = await other.cache.wrap(
        key,
        async () => {
          ranAt = Date.now();
          return 'recomputed';
        },
        { distributedLock: LEASE },
      );
      expect(value).toBe('recomputed');
      expect(ranAt - started).toBeGreaterThanOrEqual(300); // it did wait for the lease
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    /** SET key value PX ms on whichever node holds it. */
    async function setRaw(key: string, value: string, ms: number): Promise<void> {
      if (server) {
        const admin = await redisAdmin(server.url);
        await admin.set(key, value, { PX: ms });
        await admin.quit();
        return;
      }
      for (const node of cluster!.nodes) {
        const admin = await redisAdmin(node.url);
        try {
          await admin.set(key, value, { PX: ms });
          return;
        } catch {
          // MOVED: another node holds this slot
        } finally {
          await admin.quit();
        }
      }
      throw new Error(`no node accepted ${key}`);
    }
  },
);

describe('distributed single-flight with Redis down', () => {
  const rejections = watchUnhandledRejections();
  const instances: HttpInstance[] = [];
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.app.close()));
    rejections.stop();
    expect(rejections.reasons).toEqual([]);
  });

  it('falls back to per-process single-flight (one run per instance), then with the breaker open; no request fails', async () => {
    const port = await freePort(); // nothing listens there
    const stores: RedisStore[] = [];
    for (let i = 0; i < 3; i++) {
      const store = redisStore({ url: `redis://127.0.0.1:${port}` });
      stores.push(store);
      instances.push(await bootHttpInstance(store, [ItemsController], { storeTimeout: 100 }));
    }
    const everywhere = (path: string) =>
      burst(
        instances.flatMap((instance) =>
          Array.from({ length: 50 }, () => `http://127.0.0.1:${instance.port}${path}`),
        ),
      );
    const first = await everywhere('/items/down-1');
    expect(first.map((r) => r.status)).toEqual(first.map(() => 200));
    expect(runs.get('down-1')).toBe(3);
    // Past the connection's start-up grace, failures count: the breakers open.
    await eventually(async () => {
      for (const { cache } of instances) await cache.get('probe');
      expect(stores.map((store) => store.circuit)).toEqual(['open', 'open', 'open']);
    }, 5_000);
    const second = await everywhere('/items/down-2');
    expect(second.map((r) => r.status)).toEqual(second.map(() => 200));
    expect(runs.get('down-2')).toBe(3);
    const wrapped = await Promise.all(
      instances.flatMap(({ cache }) =>
        Array.from({ length: 20 }, () =>
          cache.wrap('down-3', async () => (ran('down-3'), 'ok'), { distributedLock: true }),
        ),
      ),
    );
    expect(wrapped).toEqual(wrapped.map(() => 'ok'));
    expect(runs.get('down-3')).toBe(3);
  });
});

async function adminKeys(url: string): Promise<string[]> {
  const admin = await redisAdmin(url);
  try {
    return await admin.keys('*');
  } finally {
    await admin.quit();
  }
}
