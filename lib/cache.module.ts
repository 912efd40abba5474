import { Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CACHE_MANAGER, CACHE_RESOLVED_OPTIONS } from './cache.constants';
import {
  CacheManagerModuleAsyncOptions,
  CacheManagerModuleOptions,
  CacheManagerOptionsFactory,
  fromCacheManagerOptions,
} from './compat/cache-manager-options';
import { CacheManager } from './services/cache-manager.service';
import { CacheConfigError } from './errors/cache-config.error';
import { messages } from './errors/cache.messages';
import { DynamicModule } from '@nestjs/common';
import {
  CACHE_MODULE_OPTIONS,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
} from './cache.module-definition';
import { CacheEngine } from './core/cache.engine';
import { resolveOptions } from './options/resolve-options';
import { defaultUserKey } from './identity/default-user-key';
import { CachedMethodsExplorer } from './explorer/cached-methods.explorer';
import { CachedRoutesExplorer } from './explorer/cached-routes.explorer';
import { ContextHandlers } from './contexts/context-handlers';
import { ContextHandlersExplorer } from './contexts/context-handlers.explorer';
import { CacheInterceptor } from './interceptors/cache.interceptor';
import {
  CacheModuleOptions,
  ResolvedCacheOptions,
} from './interfaces/cache-module-options.interface';
import { KeyFactoryRegistry } from './keys/key-factory.registry';
import { CacheMetadataAccessor } from './metadata/cache-metadata.accessor';
import { CacheService } from './services/cache.service';
import { toCacheStore } from './stores/to-cache-store';
import { CacheHealthIndicator } from './health/cache-health.indicator';
import { ObservabilityBootstrap } from './observability/observability.bootstrap';

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
      useFactory: (options: CacheModuleOptions) => resolveOptions(options, defaultUserKey),
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
    CacheHealthIndicator,
    ObservabilityBootstrap,
    CacheManager,
    { provide: CACHE_MANAGER, useExisting: CacheManager },
    ContextHandlers,
    ContextHandlersExplorer,
  ],
  exports: [
    CacheManager,
    CACHE_MANAGER,
    CACHE_RESOLVED_OPTIONS,
    CacheEngine,
    CacheService,
    CacheMetadataAccessor,
    KeyFactoryRegistry,
    CacheInterceptor,
    CacheHealthIndicator,
    ContextHandlers,
  ],
})
export class CacheModule extends ConfigurableModuleClass {
  /** Registers the cache; every option is optional (`CacheModule.forRoot()` uses the defaults). */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /**
   * `@nestjs/cache-manager`'s `register()`: its options (`ttl` in ms, `0` = no expiry, `isGlobal`,
   * `stores` / `store`) mapped onto `forRoot`, so a module file changes only its import.
   * @example
   * @Module({ imports: [CacheModule.register({ ttl: 5000, isGlobal: true })] })
   */
  static register(options: CacheManagerModuleOptions = {}): DynamicModule {
    return CacheModule.forRoot({ ...fromCacheManagerOptions(options), isGlobal: options.isGlobal });
  }

  /**
   * `@nestjs/cache-manager`'s `registerAsync()`: `useFactory` / `useClass` / `useExisting` give
   * its options, mapped as `register()` maps them.
   * @example
   * CacheModule.registerAsync({ inject: [Config], useFactory: (c: Config) => ({ ttl: c.ttlMs }) })
   */
  static registerAsync(options: CacheManagerModuleAsyncOptions): DynamicModule {
    const { imports, inject = [], useFactory, useClass, useExisting, isGlobal } = options;
    const factoryClass = useClass ?? useExisting;
    if (!useFactory && !factoryClass) {
      throw new CacheConfigError(
        messages.invalidOption(
          'CacheModule.registerAsync',
          'useFactory',
          'given, or useClass / useExisting',
          undefined,
        ),
      );
    }
    const raw: Provider = useFactory
      ? { provide: COMPAT_OPTIONS, useFactory, inject }
      : {
          provide: COMPAT_OPTIONS,
          useFactory: (factory: CacheManagerOptionsFactory) => factory.createCacheOptions(),
          inject: [factoryClass!],
        };
    const module = CacheModule.forRootAsync({
      imports,
      isGlobal,
      inject: [COMPAT_OPTIONS],
      useFactory: (given: CacheManagerModuleOptions) => fromCacheManagerOptions(given),
    });
    return {
      ...module,
      providers: [
        ...(module.providers ?? []),
        raw,
        ...(useClass ? [useClass] : []),
        ...(options.extraProviders ?? []),
      ],
    };
  }
}

/** The options a `registerAsync` factory gives, before they are mapped. */
const COMPAT_OPTIONS = 'nestjs-cached:compat-options';
