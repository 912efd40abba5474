import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import type { Module } from '@nestjs/core/injector/module';
import { CACHE_RESOLVED_OPTIONS, HANDLER_METADATA_KEYS } from '../cache.constants';
import { CacheEngine } from '../core/cache.engine';
import { messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { CacheMetadataAccessor } from '../metadata/cache-metadata.accessor';
import { ClassIds } from '../methods/class-ids';
import { buildMethodPlan } from '../methods/method-plan';
import { MethodRunner } from '../methods/method-runner';
import { providingModule } from './providing-module';

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
  private readonly classIds = new ClassIds();

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
    const providers = this.discovery.getProviders();
    const own = providers.find((wrapper) => wrapper.instance === this)?.host;
    const sources = new Map<Module, Module | undefined>();
    for (const wrapper of providers) {
      // With a CacheModule.forRoot() per feature module, each provider is cached by the one its
      // module injects, so its own CacheService invalidates what its methods cached.
      const host = wrapper.host;
      if (own && host) {
        if (!sources.has(host)) sources.set(host, providingModule(host, CacheEngine));
        const source = sources.get(host);
        if (source !== undefined && source !== own) continue;
      }
      this.explore(wrapper);
    }
  }

  private explore(wrapper: InstanceWrapper): void {
    const { instance } = wrapper;
    if (wrapper.isAlias || !instance || typeof instance !== 'object') return;
    const prototype = Object.getPrototypeOf(instance);
    if (!prototype || prototype === Object.prototype) return;
    // The instance's own class: a factory provider's metatype is the factory function.
    const className = prototype.constructor?.name || 'Anonymous';
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
      if (!Object.isExtensible(instance)) {
        this.logger.warn(messages.frozenProvider(`${className}@${name}`));
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
    const classId = this.classIds.of(prototype.constructor, className);
    const plan = buildMethodPlan(className, name, cached, evict, this.options, classId);
    const returnsPromise = Reflect.getMetadata('design:returntype', prototype, name) === Promise;
    const replacement = this.runner.wrap(original, plan, returnsPromise);
    for (const key of Reflect.getMetadataKeys(original)) {
      Reflect.defineMetadata(key, Reflect.getMetadata(key, original), replacement);
    }
    Object.defineProperty(replacement, 'name', { value: original.name });
    Object.defineProperty(replacement, 'length', { value: original.length });
    Object.defineProperty(instance, name, {
      value: replacement,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
