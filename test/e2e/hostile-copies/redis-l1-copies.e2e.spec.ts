import { redisStore, RedisStore } from 'nestjs-cached/redis';
import { bootInstance, CacheInstance } from '../../integration/helpers/cache-instance';
import { eventually } from '../../integration/helpers/eventually';
import { redisAdmin } from '../../integration/helpers/redis-admin';
import { RedisServer } from '../../integration/helpers/redis-server';

/**
 * Hostile: copies cloned from a kept value, for entries a Redis store's L1 hands back (the same
 * string on every hit) and for Redis reads (an equal, fresh string each time), while another
 * instance overwrites, deletes and invalidates the entry between hits.
 */
type Doc = { n: number; list: { v: number }[] };
const doc = (n: number): Doc => ({ n, list: [{ v: n }, { v: n * 10 }] });

async function mutatedHits(instance: CacheInstance, key: string, expected: Doc, times = 4) {
  for (let i = 0; i < times; i++) {
    const got = (await instance.cache.get<Doc>(key))!;
    expect(got).toEqual(expected);
    got.n = -1;
    got.list[0].v = -1;
    got.list.push({ v: -2 });
  }
}

describe('copies of Redis entries, L1 and not (hostile)', () => {
  let server: RedisServer;
  let instances: CacheInstance[] = [];
  const boot = async (l1: boolean) => {
    const instance = await bootInstance(
      redisStore(l1 ? { url: server.url } : { url: server.url, l1: false }),
    );
    instances.push(instance);
    await eventually(() => expect((instance.store as RedisStore).busLive('cache')).toBe(true));
    return instance;
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

  it('L1 hits are fresh copies; another instance overwrites, deletes, invalidates between', async () => {
    const a = await boot(true);
    const b = await boot(true);
    await a.cache.set('doc', doc(1), { tags: ['docs'] });
    await mutatedHits(b, 'doc', doc(1));
    await mutatedHits(a, 'doc', doc(1));
    await a.cache.set('doc', doc(2), { tags: ['docs'] });
    await eventually(async () => expect(await b.cache.get('doc')).toEqual(doc(2)), 1_000);
    await mutatedHits(b, 'doc', doc(2));
    await a.cache.invalidateTags('docs');
    await eventually(async () => expect(await b.cache.get('doc')).toBeUndefined(), 1_000);
    await b.cache.set('doc', doc(3));
    await eventually(async () => expect(await a.cache.get('doc')).toEqual(doc(3)), 1_000);
    await mutatedHits(a, 'doc', doc(3));
    await b.cache.delete('doc');
    await eventually(async () => expect(await a.cache.get('doc')).toBeUndefined(), 1_000);
  });

  it('without L1 (a fresh string per read), hits are still fresh, equal copies', async () => {
    const writer = await boot(true);
    const reader = await boot(false);
    await writer.cache.set('plain', doc(4));
    await mutatedHits(reader, 'plain', doc(4), 6);
    const all = await Promise.all(Array.from({ length: 20 }, () => reader.cache.get<Doc>('plain')));
    expect(new Set(all.map((d) => d!.list)).size).toBe(20);
    for (const d of all) expect(d).toEqual(doc(4));
  });
});
