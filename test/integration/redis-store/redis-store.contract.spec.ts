import { createClient } from '@keyv/redis';
import { CacheConfigError } from 'nestjs-cached';
import { redisStore } from 'nestjs-cached/redis';
import { runStoreContract } from '../../unit/stores/store-contract';
import { RedisServer } from '../helpers/redis-server';

let server: RedisServer;
beforeAll(async () => (server = await RedisServer.start()));
afterAll(async () => server?.stop());

runStoreContract('redisStore (standalone, with L1)', () => redisStore({ url: server.url }));
runStoreContract('redisStore (standalone, l1: false)', () =>
  redisStore({ url: server.url, l1: false }),
);

describe('redisStore({ client }): the app own node-redis client', () => {
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    client = createClient({ url: server.url });
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(() => client?.destroy());

  runStoreContract('redisStore({ client })', () => redisStore({ client }));

  it('uses it as is: never closes it', async () => {
    const store = redisStore({ client });
    await store.set('ns:e:mine', 'v', 60_000);
    await store.close();
    expect(client.isReady).toBe(true);
    expect(await client.get('ns:e:{mine}')).toBe('v');
  });

  it('fails at once, without queueing, while that client is not ready', async () => {
    const idle = createClient({ url: server.url });
    idle.on('error', () => undefined);
    const store = redisStore({ client: idle, l1: false });
    try {
      const started = Date.now();
      await expect(Promise.resolve(store.get('ns:e:x'))).rejects.toThrow('not connected');
      expect(Date.now() - started).toBeLessThan(200); // no wait for a connection
      await idle.connect();
      await store.set('ns:e:x', 'now', 60_000);
      expect(await store.get('ns:e:x')).toBe('now');
    } finally {
      await store.close();
      idle.destroy();
    }
  });
});

describe('redisStore options', () => {
  it('rejects what it cannot use, at bootstrap', () => {
    expect(() => redisStore({ url: 'http://x' })).toThrow(CacheConfigError);
    expect(() => redisStore({ url: server.url, cluster: { rootNodes: [server.url] } })).toThrow(
      'give one of them',
    );
    expect(() => redisStore({ client: {} })).toThrow(CacheConfigError);
    expect(() => redisStore({ cluster: { rootNodes: [] } })).toThrow(CacheConfigError);
    expect(() => redisStore({ l1: 3 as never, url: server.url })).toThrow(CacheConfigError);
    expect(() => redisStore({ l1: { maxEntries: 0 }, url: server.url })).toThrow(CacheConfigError);
    expect(() => redisStore({ urls: 'x' } as never)).toThrow("unknown option 'urls'");
  });
});
