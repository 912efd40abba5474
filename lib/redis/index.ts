export { redisStore } from './redis-store.factory';
export type { RedisStoreOptions } from './redis-store.factory';
export { RedisStore } from './redis.store';
export type { RedisStoreSettings } from './redis.store';
export type { CircuitState } from './circuit-breaker';
