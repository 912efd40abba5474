import { Inject, Injectable, Logger, OnModuleInit, RequestMethod, Optional } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost, MetadataScanner, ModuleRef } from '@nestjs/core';
import { fastPathOf } from '../http/fast-path/fast-path';
import { appConfigOf, decideFastPath } from '../http/fast-path/fast-path.eligibility';
import { sendsItself } from '../http/route-plan';
import { isCacheInterceptor } from '../interceptors/cache.interceptor';
import { hookFastifySend } from '../http/fastify-send-hook';
import { countedSource } from '../http/route-plan';
import {
  CACHE_RESOLVED_OPTIONS,
  NEST_METHOD_METADATA,
  NEST_PATH_METADATA,
} from '../cache.constants';
import { CacheEngine } from '../core/cache.engine';
import { assertCanEvictAll, assertCanLock } from '../stores/store-capabilities';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { KeyFactoryRegistry } from '../keys/key-factory.registry';
import { CacheMetadataAccessor } from '../metadata/cache-metadata.accessor';
import { KeySource } from '../metadata/cached-metadata';

const HTTP_ROOTS = ['params', 'query', 'headers', 'user'];

/**
 * Checks every cached controller route at bootstrap, so mistakes fail `app.init()` rather than a
 * request: `@Cached` on a route that is not GET, placeholders a request cannot fill. Resolves key
 * factories through DI ahead of the first request.
 */
@Injectable()
export class CachedRoutesExplorer implements OnModuleInit {
  private readonly logger = new Logger('CacheModule');
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: CacheMetadataAccessor,
    private readonly keyFactories: KeyFactoryRegistry,
    @Inject(CACHE_RESOLVED_OPTIONS) private readonly options: ResolvedCacheOptions,
    private readonly engine: CacheEngine,
    private readonly moduleRef: ModuleRef,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    // Hook Fastify before the plugins and hooks the app adds next (compression, body rewrites) so
    // the cache sees bodies before they change. With NestFactory.create the adapter exists
    // already; a testing module gets it in createNestApplication(), which `init$` announces.
    this.hookFastify();
    this.adapterHost?.init$?.subscribe(() => this.hookFastify());
  }

  private hookFastify(): void {
    hookFastifySend(this.adapterHost?.httpAdapter?.getInstance?.());
  }

  /** Hooks Fastify for fast-path routes, and warns once for each that cannot take it. */
  private checkFastPath(cls: Function, handler: Function, where: string): boolean {
    const method = Reflect.getMetadata(NEST_METHOD_METADATA, handler);
    if (method !== RequestMethod.GET && !this.metadata.isMethodLevel(handler)) return false;
    const decision = decideFastPath(
      {
        cls,
        handler,
        cached: this.metadata.cached(handler, cls),
        evict: this.metadata.evict(handler),
        appConfig: appConfigOf(this.moduleRef),
        isOurs: isCacheInterceptor,
        sendsItself: sendsItself(cls, handler.name),
      },
      this.options,
    );
    if (!decision.requested) return false;
    if (!decision.eligible) this.logger.warn(messages.fastPathIneligible(where, decision.why));
    return decision.eligible;
  }

  async onModuleInit(): Promise<void> {
    this.hookFastify();
    if (this.options.keyFactory) {
      await this.keyFactories.resolve(this.options.keyFactory, 'CacheModule');
    }
    for (const wrapper of this.discovery.getControllers()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        await this.check(metatype, prototype[name], `${metatype.name}@${name}`);
        if (Reflect.getMetadata(NEST_PATH_METADATA, prototype[name]) === undefined) continue;
        if (this.checkFastPath(metatype, prototype[name], `${metatype.name}@${name}`)) {
          fastPathOf(this.engine, this.options).prepare(
            this.adapterHost?.httpAdapter?.getInstance?.(),
          );
        }
      }
    }
  }

  private async check(cls: Function, handler: Function, where: string): Promise<void> {
    const cached = this.metadata.cached(handler, cls);
    const evict = this.metadata.evict(handler);
    const isRoute = Reflect.getMetadata(NEST_PATH_METADATA, handler) !== undefined;
    if (isRoute && this.metadata.isMethodLevel(handler) && this.metadata.isEventStream(handler)) {
      throw new CacheConfigError(messages.sseCached(where), CacheErrorCode.SseCached);
    }
    if (cached && isRoute && !cached.put && this.metadata.isMethodLevel(handler)) {
      const method: RequestMethod = Reflect.getMetadata(NEST_METHOD_METADATA, handler);
      if (method !== RequestMethod.GET && method !== RequestMethod.HEAD) {
        throw new CacheConfigError(
          messages.notGetRoute(where, RequestMethod[method]),
          CacheErrorCode.NotGetRoute,
        );
      }
    }
    if (!isRoute) return;
    if (cached?.ttlOf) {
      throw new CacheConfigError(messages.resultTtlOnRoute(where), CacheErrorCode.InvalidTtl);
    }
    // Allocated now, so `stats({ bySource: true })` and metrics list the route before traffic.
    countedSource(this.engine.stats, cls, handler, cached);
    if (evict?.all) assertCanEvictAll(this.engine.store, where);
    if (cached?.distributedLock) assertCanLock(this.engine.store, where);
    const templates = [
      cached?.key,
      ...(cached?.tags ?? []),
      ...(evict?.keys ?? []),
      ...(evict?.tags ?? []),
    ];
    for (const template of templates) this.checkRoots(template, where);
    if (cached?.keyFactory) await this.keyFactories.resolve(cached.keyFactory, where);
  }

  private checkRoots(template: KeySource | undefined, where: string): void {
    if (template === undefined || typeof template === 'function') return;
    const wrong = template.roots.find((root) => !HTTP_ROOTS.includes(root));
    if (wrong !== undefined) {
      throw new CacheConfigError(
        messages.invalidKeyTemplate(
          where,
          template.source,
          `reads '{${wrong}…}'; on a route use {params.x}, {query.x}, {headers.x} or {user.x}`,
        ),
        CacheErrorCode.InvalidKeyTemplate,
      );
    }
  }
}
