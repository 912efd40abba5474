import { Controller, Get, Injectable, Param } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Cached } from 'nestjs-cached';
import { redisStore } from 'nestjs-cached/redis';
import { watchUnhandledRejections } from '../../e2e/helpers/unhandled-rejections';
import { burst } from '../helpers/burst';
import { eventually } from '../helpers/eventually';
import { bootHttpInstance, HttpInstance } from '../helpers/http-instance';
import { redisAdmin } from '../helpers/redis-admin';
import { RedisCluster } from '../helpers/redis-cluster';
import { RedisServer } from '../helpers/redis-server';

/** Distributed single-flight: 3 app instances on one Redis (standalone and Cluster). */

const INSTANCES = 3;
const PER_INSTANCE = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Handler, method and factory runs of every instance of this process, by key. */
const runs = new Map<string, number>();
const ran = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1).get(key)!;

@Controller('items')
class ItemsController {
  @Get('locked/:id')
  @Cached({ ttl: '1m', distributedLock: true })
  async locked(@Param('id') id: string) {
    ran(`locked:${id}`);
    await sleep(300);
    return { id, nonce: randomUUID() };
  }

  /** The module turns the lock on; this route turns it off: one run per instance. */
  @Get('unlocked/:id')
  @Cached({ ttl: '1m', distributedLock: false })
  async unlocked(@Param('id') id: string) {
    ran(`unlocked:${id}`);
    await sleep(300);
    return { id, nonce: randomUUID() };
  }

  @Get('stale/:id')
  @Cached({ ttl: '300ms', staleWhileRevalidate: '1m' })
  async stale(@Param('id') id: string) {
    ran(`stale:${id}`);
    await sleep(800);
    return { id, nonce: randomUUID() };
  }
}

@Injectable()
class Catalog {
  @Cached({ ttl: '1m', distributedLock: true })
  async find(id: string) {
    ran(`find:${id}`);
    await sleep(300);
    return { id, nonce: randomUUID(), at: new Date() };
  }
}

type Topology = 'standalone' | 'cluster';

describe.each<Topology>(['standalone', 'cluster'])('distributed single-flight (%s)', (topology) => {
  const rejections = watchUnhandledRejections();
  let server: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  let instances: HttpInstance[] = [];

  beforeAll(async () => {
    if (topology === 'standalone') server = await RedisServer.start();
    else cluster = await RedisCluster.start(3);
    for (let i = 0; i < INSTANCES; i++) {
      const store =
        topology === 'standalone'
          ? redisStore({ url: server!.url })
          : redisStore({ cluster: { rootNodes: cluster!.rootNodes } });
      instances.push(
        await bootHttpInstance(
          store,
          [ItemsController],
          // The module's lock: the decorators with `true` and the SWR route inherit it.
          { storeTimeout: 1_000, distributedLock: { lease: '5s', wait: '10s' } },
          [Catalog],
        ),
      );
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.app.close()));
    instances = [];
    await server?.stop();
    await cluster?.stop();
    rejections.stop();
    expect(rejections.reasons).toEqual([]);
  }, 30_000);

  /** `PER_INSTANCE` concurrent GETs of `path` on every instance at once. */
  const everywhere = (path: string) =>
    burst(
      instances.flatMap((instance) =>
        Array.from({ length: PER_INSTANCE }, () => `http://127.0.0.1:${instance.port}${path}`),
      ),
    );

  it('3 instances x 100 concurrent cold requests run the handler once; all 200, one body', async () => {
    const key = `${topology}-1`;
    const replies = await everywhere(`/items/locked/${key}`);
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    expect(new Set(replies.map((r) => r.body)).size).toBe(1);
    expect(runs.get(`locked:${key}`)).toBe(1);
  });

  it('without the lock, each instance runs its own (the stampede it prevents)', async () => {
    const key = `${topology}-1`;
    const replies = await everywhere(`/items/unlocked/${key}`);
    expect(replies.every((r) => r.status === 200)).toBe(true);
    // At least one per instance (more when a request lands between a run's end and its write).
    expect(runs.get(`unlocked:${key}`)).toBeGreaterThanOrEqual(INSTANCES);
  });

  it('a @Cached provider method runs once for 3 x 100 concurrent calls', async () => {
    const calls = instances.flatMap((instance) =>
      Array.from({ length: PER_INSTANCE }, () => instance.app.get(Catalog).find(topology)),
    );
    const results = await Promise.all(calls);
    expect(runs.get(`find:${topology}`)).toBe(1);
    for (const result of results) expect(result).toEqual(results[0]);
    expect(results[0].at).toBeInstanceOf(Date);
  });

  it('CacheService.wrap runs the factory once for 3 x 100 concurrent calls', async () => {
    const key = `wrap:${topology}`;
    const factory = async () => {
      ran(key);
      await sleep(300);
      return { nonce: randomUUID() };
    };
    const calls = instances.flatMap(({ cache }) =>
      Array.from({ length: PER_INSTANCE }, () =>
        cache.wrap(key, factory, { distributedLock: { lease: '5s', wait: '10s' } }),
      ),
    );
    const results = await Promise.all(calls);
    expect(runs.get(key)).toBe(1);
    for (const result of results) expect(result).toEqual(results[0]);
  });

  it('a stale entry is served at once everywhere while one instance refreshes it', async () => {
    const key = `${topology}-swr`;
    const path = `/items/stale/${key}`;
    const [first] = await burst([`http://127.0.0.1:${instances[0].port}${path}`]);
    expect(first.status).toBe(200);
    await sleep(400); // past its ttl, inside staleWhileRevalidate
    const replies = await everywhere(path).then((all) => all.slice(0, 60));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(runs.get(`stale:${key}`)).toBe(2); // the first fill, then exactly one refresh
    const labels = replies.map((r) => r.xCache);
    expect(labels.filter((l) => l === 'MISS')).toHaveLength(1); // the refresh's own request
    const stale = replies.filter((r) => r.xCache === 'STALE');
    expect(stale).toHaveLength(replies.length - 1);
    expect(stale.every((r) => r.body === first.body)).toBe(true);
  });

  it('CacheService.wrap with a stale entry: every caller gets it at once, one refresh in total', async () => {
    const key = `wrap-swr:${topology}`;
    const options = { ttl: 200, staleWhileRevalidate: '1m' as const, distributedLock: true };
    let value = 0;
    const factory = async () => {
      ran(key);
      await sleep(500);
      return ++value;
    };
    expect(await instances[0].cache.wrap(key, factory, options)).toBe(1);
    await sleep(300);
    const calls = instances.flatMap(({ cache }) =>
      Array.from({ length: 20 }, () => cache.wrap(key, factory, options)),
    );
    expect(await Promise.all(calls)).toEqual(calls.map(() => 1));
    // The refresh lands in the store; then every instance reads the new value.
    for (const { cache } of instances) {
      await expect(waitFor(() => cache.get(key), 2)).resolves.toBe(2);
    }
    expect(runs.get(key)).toBe(2);
  });

  it('a factory that throws releases the lock at once: its callers get the error, other instances run their own', async () => {
    const key = `throws:${topology}`;
    // A long lease and wait: the others finish quickly only if the lock was released.
    const options = { distributedLock: { lease: '30s', wait: '30s' } } as const;
    const factory = async () => {
      const run = ran(key);
      await sleep(200);
      if (run === 1) throw new Error('database down');
      return `run ${run}`;
    };
    const started = Date.now();
    const outcomes = await Promise.all(
      instances.map(({ cache }, i) =>
        Promise.allSettled(
          Array.from({ length: 30 }, () => cache.wrap(key, factory, options)),
        ).then((settled) => settled.map((s) => ({ instance: i, ...s }))),
      ),
    ).then((all) => all.flat());
    expect(Date.now() - started).toBeLessThan(10_000);
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(rejected).toHaveLength(30);
    expect(new Set(rejected.map((o) => o.instance)).size).toBe(1); // the holder's own callers
    const values = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(values).toEqual(values.map(() => 'run 2'));
    expect(runs.get(key)).toBe(2);
    expect(await instances[0].cache.get(key)).toBe('run 2'); // the error was never stored
  });

  it("the lock is <ns>:lock:<key>, in its entry's slot, and is gone once the value is stored", async () => {
    const key = `layout:${topology}`;
    const admin = server ? await redisAdmin(server.url) : undefined;
    const keysPerNode = (pattern: string) =>
      admin ? admin.keys(pattern).then((keys) => [keys]) : cluster!.keysPerNode(pattern);
    let during: string[][] = [];
    const value = await instances[1].cache.wrap(
      key,
      async () => {
        during = await keysPerNode('*:lock:*');
        return 'stored';
      },
      { distributedLock: true },
    );
    expect(value).toBe('stored');
    const lockAt = during.findIndex((keys) => keys.length > 0);
    expect(during[lockAt]).toEqual([`cache:lock:e:{${key}}`]);
    // Released right after the value was stored (in the background of the caller's answer).
    await eventually(async () => {
      const after = await keysPerNode('*');
      expect(after.flat()).not.toContainEqual(expect.stringContaining(':lock:'));
      expect(after[lockAt]).toContain(`cache:e:{${key}}`); // same node: same hash slot
    });
    await admin?.quit();
  });
});

async function waitFor<T>(read: () => Promise<T>, expected: T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value === expected || Date.now() > deadline) return value;
    await sleep(20);
  }
}
