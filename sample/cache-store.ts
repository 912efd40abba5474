import { redisStore } from './nestjs-cached-redis';

/**
 * Where the sample keeps its cache: Redis when `REDIS_URL` is set (entries shared by every
 * instance, each with its own L1 kept coherent over Redis pub/sub), else the embedded memory store.
 */
export function sampleCacheStore() {
  const url = process.env.REDIS_URL;
  return url ? redisStore({ url }) : undefined;
}
