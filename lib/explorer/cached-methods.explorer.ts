import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import type { Module } from '@nestjs/core/injector/module';
import { CACHE_RESOLVED_OPTIONS, HANDLER_METADATA_KEYS } from '../cache.constants';
import { CacheEngine } from '../core/cache.engine';
import { messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { CacheMetadataAccessor } from '../metadata/cache-metadata.accessor';
import { CachedMetadata, CacheEvictMetadata } from '../metadata/cached-metadata';
import { buildMethodPlan } from '../methods/method-plan';
import { MethodRunner } from '../methods/method-runner';
import { assignIdentities, ProviderFacts, tokenName } from '../methods/provider-identities';
import { assertCanEvictAll, assertCanLock } from '../stores/store-capabilities';
import { providingModule } from './providing-module';

/** A decorated method found on a provider, before it is replaced. */
interface Found {
  instance: Record<string, unknown>;
  prototype: object;
  className: string;
  name: string;
  original: (...args: unknown[]) => unknown;
  cached?: CachedMetadata;
  evict?: CacheEvictMetadata;
}

/**
 * Finds `@Cached`, `@CachePut` and `@CacheEvict` on every singleton provider at bootstrap and
 * replaces those methods on the instance, so every call through it (`this.method()` included) is
 * cached. The function keeps its name and metadata. Request-scoped and transient providers are
 * not cached: one warning per method says so. Each provider's default keys start with its
 * identity (see `assignIdentities`), worked out from stable facts once all providers are known.
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
    private readonly engine: CacheEngine,
    @Inject(CACHE_RESOLVED_OPTIONS) private readonly options: ResolvedCacheOptions,
  ) {
    this.runner = new MethodRunner(engine);
  }

  onModuleInit(): void {
    const providers = this.discovery.getProviders();
    const own = providers.find((wrapper) => wrapper.instance === this)?.host;
    const sources = new Map<Module, Module | undefined>();
    const found: Found[] = [];
    const facts: ProviderFacts[] = [];
    for (const wrapper of providers) {
      // With a CacheModule.forRoot() per feature module, each provider is cached by the one its
      // module injects, so its own CacheService invalidates what its methods cached.
      const host = wrapper.host;
      if (own && host) {
        if (!sources.has(host)) sources.set(host, providingModule(host, CacheEngine));
        const source = sources.get(host);
        if (source !== undefined && source !== own) continue;
      }
      const methods = this.explore(wrapper);
      found.push(...methods);
      if (methods.some((method) => method.cached)) facts.push(this.facts(wrapper, methods[0]));
    }
    const identities = assignIdentities(facts);
    for (const method of found) this.replace(method, identities.get(method.instance));
  }

  private facts(wrapper: InstanceWrapper, method: Found): ProviderFacts {
    const cls = method.prototype.constructor as Function;
    return {
      instance: method.instance,
      className: method.className,
      moduleName: wrapper.host?.metatype?.name ?? 'Module',
      tokenName: tokenName(wrapper.token),
      tokenIsClass: wrapper.token === cls,
      pinned: this.metadata.identity(cls),
    };
  }

  private explore(wrapper: InstanceWrapper): Found[] {
    const { instance } = wrapper;
    if (wrapper.isAlias || !instance || typeof instance !== 'object') return [];
    const prototype = Object.getPrototypeOf(instance);
    if (!prototype || prototype === Object.prototype) return [];
    // The instance's own class: a factory provider's metatype is the factory function.
    const className = prototype.constructor?.name || 'Anonymous';
    const found: Found[] = [];
    for (const name of this.scanner.getAllMethodNames(prototype)) {
      const original = prototype[name];
      const cached = this.metadata.methodCached(original);
      const evict = this.metadata.evict(original);
      if (!cached && !evict) continue;
      if (HANDLER_METADATA_KEYS.some((key) => Reflect.getMetadata(key, original) !== undefined)) {
        continue; // a resolver, gateway or RPC handler: the interceptor handles it
      }
      const where = `${className}@${name}`;
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
        this.logger.warn(messages.scopedProvider(where));
        continue;
      }
      if (!Object.isExtensible(instance)) {
        this.logger.warn(messages.frozenProvider(where));
        continue;
      }
      if (evict?.all) assertCanEvictAll(this.engine.store, where);
      if (cached?.distributedLock) assertCanLock(this.engine.store, where);
      found.push({ instance, prototype, className, name, original, cached, evict });
    }
    return found;
  }

  private replace(method: Found, identity: string | undefined): void {
    const { instance, prototype, className, name, original, cached, evict } = method;
    const names = this.done.get(instance) ?? new Set<string>();
    if (names.has(name)) return;
    names.add(name);
    this.done.set(instance, names);
    const plan = buildMethodPlan(className, name, cached, evict, this.options, identity);
    if (cached) {
      this.engine.expectLifetime(plan.ttl + Math.max(plan.staleWhileRevalidate, plan.staleIfError));
      plan.counter = this.engine.stats.source(plan.name, 'method');
    }
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
