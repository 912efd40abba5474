/**
 * `nestjs-cached/compat`: `@nestjs/cache-manager`'s API over nestjs-cached, so an app moves by
 * changing its imports, then route by route to `@Cached`. See docs/migrating-from-cache-manager.md.
 * @example
 * import { CACHE_MANAGER, CacheInterceptor, CacheModule } from 'nestjs-cached/compat';
 */
export { CacheModule } from '../cache.module';
export { CACHE_KEY_METADATA, CACHE_MANAGER, CACHE_TTL_METADATA } from '../cache.constants';
export { CacheInterceptor } from './compat-cache.interceptor';
export { CacheKey } from './cache-key.decorator';
export type { CacheKeyFactory } from './cache-key.decorator';
export { CacheTTL } from './cache-ttl.decorator';
export type { CacheTTLFactory } from './cache-ttl.decorator';
export { CacheManager, CacheManager as Cache } from '../services/cache-manager.service';
export type { CacheManagerTtl, CacheManagerWrapOptions } from '../services/cache-manager.service';
export type {
  CacheManagerModuleAsyncOptions,
  CacheManagerModuleAsyncOptions as CacheModuleAsyncOptions,
  CacheManagerModuleOptions,
  CacheManagerModuleOptions as CacheModuleOptions,
  CacheManagerOptionsFactory,
  CacheManagerOptionsFactory as CacheOptionsFactory,
} from './cache-manager-options';
