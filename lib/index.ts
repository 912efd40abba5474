export { CacheModule } from './cache.module';
export { Cached } from './decorators/cached.decorator';
export { CachePut } from './decorators/cache-put.decorator';
export { CacheEvict } from './decorators/cache-evict.decorator';
export { NoCache } from './decorators/no-cache.decorator';
export { CacheIdentity } from './decorators/cache-identity.decorator';
export { CacheService } from './services/cache.service';
export type {
  CacheDeleteOptions,
  CacheSetOptions,
  CacheWrapOptions,
} from './services/cache.service';
export { CacheConfigError } from './errors/cache-config.error';
export { CacheErrorCode } from './errors/cache-error-code';
export { memoryStore, MemoryStore } from './stores/memory.store';
export type { MemoryStoreOptions } from './stores/memory.store';
export type { CacheStore, MaybePromise } from './stores/cache-store.interface';
export type { Ttl } from './core/ttl';
export type { CacheModuleOptions } from './interfaces/cache-module-options.interface';
export type { CacheOptionsFactory } from './interfaces/cache-options-factory.interface';
export type {
  CachedOptions,
  CacheEvictOptions,
  CacheKeyTemplate,
} from './interfaces/cached-options.interface';
export type {
  CacheKeyFactory,
  CacheKeyFactoryClass,
} from './interfaces/cache-key-factory.interface';
export type { CacheStats } from './interfaces/cache-stats.interface';
export type { StoreLock } from './stores/store-lock.interface';
export type { DistributedLockOption } from './core/lock-policy';
