import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CACHE_RESOLVED_OPTIONS } from './cache.constants';
import { DynamicModule } from '@nestjs/common';
import {
  CACHE_MODULE_OPTIONS,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
} from './cache.module-definition';
import { CacheEngine } from './core/cache.engine';
import { resolveOptions } from './core/resolve-options';
import { CachedMethodsExplorer } from './explorer/cached-methods.explorer';
import { CachedRoutesExplorer } from './explorer/cached-routes.explorer';
import { CacheInterceptor } from './interceptors/cache.interceptor';
import {
  CacheModuleOptions,
  ResolvedCacheOptions,
} from './interfaces/cache-module-options.interface';
import { KeyFactoryRegistry } from './keys/key-factory.registry';
import { CacheMetadataAccessor } from './metadata/cache-metadata.accessor';
import { CacheService } from './services/cache.service';
import { toCacheStore } from './stores/to-cache-store';

/**
 * Registers the cache: `CacheModule.forRoot(options)` or `forRootAsync({ useFactory, inject })`.
 * Options are validated once, here, at bootstrap.
 * @example
 * @Module({ imports: [CacheModule.forRoot({ ttl: '1m', isGlobal: true })] })
 * class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: CACHE_RESOLVED_OPTIONS,
      useFactory: (options: CacheModuleOptions) => resolveOptions(options),
      inject: [CACHE_MODULE_OPTIONS],
    },
    {
      provide: CacheEngine,
      useFactory: (options: ResolvedCacheOptions) =>
        new CacheEngine(toCacheStore(options.storeInput), options.namespace, options.storeTimeout, {
          flightTimeout: options.flightTimeout,
          lifetime: options.ttl + Math.max(options.staleWhileRevalidate, options.staleIfError),
          distributedLock: options.distributedLock,
        }),
      inject: [CACHE_RESOLVED_OPTIONS],
    },
    CacheService,
    CacheMetadataAccessor,
    KeyFactoryRegistry,
    CacheInterceptor,
    CachedRoutesExplorer,
    CachedMethodsExplorer,
  ],
  exports: [
    CACHE_RESOLVED_OPTIONS,
    CacheEngine,
    CacheService,
    CacheMetadataAccessor,
    KeyFactoryRegistry,
    CacheInterceptor,
  ],
})
export class CacheModule extends ConfigurableModuleClass {
  /** Registers the cache; every option is optional (`CacheModule.forRoot()` uses the defaults). */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
