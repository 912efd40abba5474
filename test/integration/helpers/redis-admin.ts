import { createClient } from '@keyv/redis';

/** A plain node-redis client for a test to look inside its own server (DBSIZE, KEYS, PTTL). */
export async function redisAdmin(url: string) {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
