import { Logger, ModuleMetadata, Provider, Type } from '@nestjs/common';
import { Ttl } from '../core/ttl';
import { messages } from '../errors/cache.messages';
import { CacheModuleOptions } from '../interfaces/cache-module-options.interface';
import { memoryStore } from '../stores/memory.store';

/**
 * `CacheModule.register()` options: `@nestjs/cache-manager`'s common ones, plus any
 * nestjs-cached option (`scope` defaults, `staleWhileRevalidate`, …).
 * @example
 * CacheModule.register({ ttl: 5000, isGlobal: true, stores: [new Keyv()] })
 */
export interface CacheManagerModuleOptions extends Omit<CacheModuleOptions, 'ttl' | 'store'> {
  /**
   * Time to live in milliseconds (a duration string works too); `0` means no expiry.
   * @default '5m'
   */
  ttl?: Ttl | 0;
  /**
   * A Keyv instance or Keyv store adapter, or a list of them; with a list, the last (the shared
   * one) is used. @default memoryStore()
   */
  stores?: unknown;
  /** The same as `stores`. */
  store?: unknown;
  /** With no store given: the most entries the in-memory store keeps. @default 10_000 */
  max?: number;
  /** Ignored (cache-manager's refresh-ahead); see `staleWhileRevalidate`. */
  refreshThreshold?: number;
  /** Ignored (cache-manager's multi-store writes). */
  nonBlocking?: boolean;
  /** Ignored (cache-manager's multi-store refresh). */
  refreshAllStores?: boolean;
  /** Ignored (cache-manager's instance id; `cacheId()` answers the namespace). */
  cacheId?: string;
  /** Register the module globally. @default false */
  isGlobal?: boolean;
}

/**
 * What a `registerAsync({ useClass | useExisting })` class implements.
 * @example
 * @Injectable() class CacheConfig implements CacheOptionsFactory {
 *   createCacheOptions() { return { ttl: 5000 }; }
 * }
 */
export interface CacheManagerOptionsFactory {
  createCacheOptions(): CacheManagerModuleOptions | Promise<CacheManagerModuleOptions>;
}

/**
 * `CacheModule.registerAsync()` options, as `@nestjs/cache-manager` takes them.
 * @example
 * CacheModule.registerAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ ttl: config.get('CACHE_TTL_MS') }),
 * })
 */
export interface CacheManagerModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory?: (...args: any[]) => CacheManagerModuleOptions | Promise<CacheManagerModuleOptions>;
  inject?: any[];
  useClass?: Type<CacheManagerOptionsFactory>;
  useExisting?: Type<CacheManagerOptionsFactory>;
  /** Extra providers registered in the module. */
  extraProviders?: Provider[];
  /** Register the module globally. @default false */
  isGlobal?: boolean;
}

const IGNORED = ['refreshThreshold', 'nonBlocking', 'refreshAllStores', 'cacheId', 'isGlobal'];

/** Maps `register()` options onto `forRoot()`'s: ms ttls, `0` = no expiry, `stores` → `store`. */
export function fromCacheManagerOptions(
  options: CacheManagerModuleOptions = {},
): CacheModuleOptions {
  const { ttl, stores, store, max, ...rest } = options;
  const mapped: Record<string, unknown> = { ...rest };
  for (const name of IGNORED) delete mapped[name];
  if (ttl !== undefined) mapped.ttl = ttl === 0 ? Infinity : ttl;
  const given = stores ?? store;
  if (Array.isArray(given)) {
    if (given.length > 1) new Logger('CacheModule').warn(messages.compatStores(given.length - 1));
    if (given.length > 0) mapped.store = given[given.length - 1];
  } else if (given !== undefined) {
    mapped.store = given;
  }
  if (mapped.store === undefined && max !== undefined) {
    mapped.store = memoryStore({ maxEntries: max });
  }
  return mapped as CacheModuleOptions;
}
