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
