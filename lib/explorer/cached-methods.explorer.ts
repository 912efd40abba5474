import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { CACHE_RESOLVED_OPTIONS, HANDLER_METADATA_KEYS } from '../cache.constants';
import { CacheEngine } from '../core/cache.engine';
import { messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { CacheMetadataAccessor } from '../metadata/cache-metadata.accessor';
import { buildMethodPlan } from '../methods/method-plan';
import { MethodRunner } from '../methods/method-runner';

/**
 * Finds `@Cached`, `@CachePut` and `@CacheEvict` on every singleton provider at bootstrap and
 * replaces those methods on the instance, so every call through it (`this.method()` included) is
 * cached. The function keeps its name and metadata. Request-scoped and transient providers are
 * not cached: one warning per method says so.
 */
@Injectable()
export class CachedMethodsExplorer implements OnModuleInit {
  private readonly logger = new Logger('CacheModule');
  private readonly runner: MethodRunner;
  private readonly done = new WeakMap<object, Set<string>>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: CacheMetadataAccessor,
    engine: CacheEngine,
    @Inject(CACHE_RESOLVED_OPTIONS) private readonly options: ResolvedCacheOptions,
  ) {
    this.runner = new MethodRunner(engine);
  }

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) this.explore(wrapper);
  }

  private explore(wrapper: InstanceWrapper): void {
    const { instance } = wrapper;
    if (wrapper.isAlias || !instance || typeof instance !== 'object') return;
    const prototype = Object.getPrototypeOf(instance);
    if (!prototype || prototype === Object.prototype) return;
    const className = (wrapper.metatype as Function | null)?.name || instance.constructor?.name;
    for (const name of this.scanner.getAllMethodNames(prototype)) {
      const original = prototype[name];
      const cached = this.metadata.methodCached(original);
      const evict = this.metadata.evict(original);
      if (!cached && !evict) continue;
      if (HANDLER_METADATA_KEYS.some((key) => Reflect.getMetadata(key, original) !== undefined)) {
        continue; // a resolver, gateway or RPC handler: the interceptor handles it
      }
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
        this.logger.warn(messages.scopedProvider(`${className}@${name}`));
        continue;
      }
      this.replace(instance, name, original, className, cached, evict, prototype);
    }
  }

  private replace(
    instance: Record<string, unknown>,
    name: string,
    original: (...args: unknown[]) => unknown,
    className: string,
    cached: ReturnType<CacheMetadataAccessor['methodCached']>,
    evict: ReturnType<CacheMetadataAccessor['evict']>,
    prototype: object,
  ): void {
    const names = this.done.get(instance) ?? new Set<string>();
    if (names.has(name)) return;
    names.add(name);
    this.done.set(instance, names);
    const plan = buildMethodPlan(className, name, cached, evict, this.options);
    const returnsPromise = Reflect.getMetadata('design:returntype', prototype, name) === Promise;
    const replacement = this.runner.wrap(original, plan, returnsPromise);
    for (const key of Reflect.getMetadataKeys(original)) {
      Reflect.defineMetadata(key, Reflect.getMetadata(key, original), replacement);
    }
    Object.defineProperty(replacement, 'name', { value: original.name });
    Object.defineProperty(instance, name, {
      value: replacement,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
