import { Inject, Injectable, OnModuleInit, RequestMethod, Optional } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost, MetadataScanner } from '@nestjs/core';
import { hookFastifySend } from '../http/fastify-send-hook';
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
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: CacheMetadataAccessor,
    private readonly keyFactories: KeyFactoryRegistry,
    @Inject(CACHE_RESOLVED_OPTIONS) private readonly options: ResolvedCacheOptions,
    private readonly engine: CacheEngine,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    // With NestFactory.create the adapter exists already: hook Fastify before plugins that the
    // app registers next (compression) so the cache sees bodies before they are encoded.
    this.hookFastify();
  }

  private hookFastify(): void {
    hookFastifySend(this.adapterHost?.httpAdapter?.getInstance?.());
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
