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
export type { CacheGetOptions } from './services/cache.service';
export { CacheStoreError } from './errors/cache-store.error';
export { CacheManager } from './services/cache-manager.service';
export { CACHE_MANAGER } from './cache.constants';
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
export type {
  CacheStatsOptions,
  NotStoredReason,
  SourceKind,
  SourceStats,
} from './interfaces/cache-stats.interface';
export type {
  CacheMetricsOptions,
  PrometheusRegistryLike,
} from './interfaces/cache-metrics-options.interface';
export { CacheHealthIndicator } from './health/cache-health.indicator';
export type {
  CacheHealthDetails,
  CacheHealthOptions,
  CacheHealthResult,
} from './health/cache-health.indicator';
export type { CacheEvent } from './observability/cache-events.observer';
export { OPERATION_CHANNEL } from './core/operation-tracing';
export type { CacheOperation, CacheOperationMessage } from './core/operation-tracing';
export type { BatchTtl, CacheBatchOptions } from './services/cache-batch';
export { defaultUserKey } from './http/user-identity';
export type { CacheControlOptions } from './http/validators/validator-options';
export type { StoreLock } from './stores/store-lock.interface';
export type { DistributedLockOption } from './core/lock-policy';
