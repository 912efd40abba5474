import { redisStore, RedisStore } from 'nestjs-cached/redis';
import { bootInstance, CacheInstance } from '../helpers/cache-instance';
import { eventually } from '../helpers/eventually';
import { RedisServer } from '../helpers/redis-server';

const value = () => ({
  when: new Date('2026-01-02T03:04:05.678Z'),
  bytes: Buffer.from([0, 1, 2, 255]),
  map: new Map<unknown, unknown>([
    ['a', 1],
    [2, { nested: new Set(['x']) }],
  ]),
  set: new Set([1, 'two', null]),
  big: 12345678901234567890n,
  nothing: null,
  deep: { list: [1, { at: new Date(0) }, [new Map([['k', 10n]])]], text: 'line\nbreak é ✓' },
});

describe('redisStore round-trips values by value, from L1 and from Redis alike', () => {
  let server: RedisServer;
  const instances: CacheInstance[] = [];
  beforeAll(async () => {
    server = await RedisServer.start();
    for (const l1 of [undefined, false] as const) {
      instances.push(await bootInstance(redisStore({ url: server.url, l1 })));
    }
    await eventually(() => expect((instances[0].store as RedisStore).busLive('cache')).toBe(true));
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.app.close()));
    await server?.stop();
  });

  it('Date, Buffer, Map, Set, BigInt, null and nested objects', async () => {
    const [withL1, remoteOnly] = instances;
    await withL1.cache.set('v', value());
    const fromL1 = await withL1.cache.get('v'); // written through: served by L1
    const fromRedis = await remoteOnly.cache.get('v');
    expect(fromL1).toEqual(value());
    expect(fromRedis).toEqual(value());
    expect((fromRedis as ReturnType<typeof value>).bytes).toBeInstanceOf(Buffer);
    expect(typeof (fromL1 as ReturnType<typeof value>).big).toBe('bigint');
    await withL1.cache.set('null', null);
    expect(await remoteOnly.cache.get('null')).toBeNull();
    expect(await withL1.cache.get('null')).toBeNull();
  });

  it('gives each reader its own copy (a mutation of a hit never reaches the cache)', async () => {
    const [withL1] = instances;
    await withL1.cache.set('copy', { list: [1] });
    const first = (await withL1.cache.get<{ list: number[] }>('copy'))!;
    first.list.push(2);
    expect(await withL1.cache.get('copy')).toEqual({ list: [1] });
  });
});
