import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  Optional,
  RequestMethod,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef, ModulesContainer, Reflector } from '@nestjs/core';
import { from, mergeMap, Observable } from 'rxjs';
import {
  CACHE_KEY_METADATA,
  CACHE_MANAGER,
  CACHE_TTL_METADATA,
  NEST_METHOD_METADATA,
  NO_CACHE_METADATA,
  CACHE_RESOLVED_OPTIONS,
} from '../cache.constants';
import { CacheEngine } from '../core/cache.engine';
import { parseCachedOptions } from '../decorators/parse-cached-options';
import { messages } from '../errors/cache.messages';
import { HttpCacheFlow } from '../http/http-cache.flow';
import { RoutePlan } from '../http/route-plan';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { KeyFactoryRegistry } from '../keys/key-factory.registry';
import { CacheMetadataAccessor } from '../metadata/cache-metadata.accessor';
import { CacheInterceptor as CachedInterceptor } from '../interceptors/cache.interceptor';
import { HttpRequestLike } from '../keys/http-key';
import { CachedMetadata, CacheEvictMetadata } from '../metadata/cached-metadata';
import type { CacheManager } from '../services/cache-manager.service';
import { MaybePromise } from '../stores/cache-store.interface';
import { isThenable, then } from '../utils/is-thenable';
import { CacheKeyFactory } from './cache-key.decorator';
import { CacheTTLFactory } from './cache-ttl.decorator';

/** What `@CacheKey` / `@CacheTTL` say about one route the interceptor covers. */
interface CompatRoute {
  key?: string | CacheKeyFactory;
  ttlFactory?: CacheTTLFactory;
  /** Keyed by the request URL (cache-manager's key): the route is neither versioned nor by host. */
  byUrl?: boolean;
}

/**
 * `@nestjs/cache-manager`'s `CacheInterceptor`, with nestjs-cached's semantics: as
 * `APP_INTERCEPTOR` or in `@UseInterceptors()`, it caches every GET handler it covers (privacy
 * bypass for identified requests, replay of what the miss sent, single-flight, fail-open), with
 * `@CacheKey` / `@CacheTTL` when given, keyed by the request URL otherwise (as cache-manager;
 * versioned and host-routed handlers keep nestjs-cached's key, which names the route). Handlers
 * carrying `@Cached` or `@CacheEvict` are left to those. A subclass may override `trackBy(ctx)`
 * to choose keys (`undefined` bypasses).
 * @example
 * providers: [{ provide: APP_INTERCEPTOR, useClass: CacheInterceptor }]
 */
@Injectable()
export class CacheInterceptor extends CachedInterceptor {
  private readonly routes = new WeakMap<CachedMetadata, CompatRoute>();

  // What `@nestjs/cache-manager`'s CacheInterceptor offers its subclasses (the NestJS docs'
  // `HttpCacheInterceptor` reads `this.httpAdapterHost` and `this.reflector` in `trackBy`).
  /** The `CACHE_MANAGER` of the module, for subclasses. */
  @Optional() @Inject(CACHE_MANAGER) protected readonly cacheManager!: CacheManager;
  /** The HTTP adapter, for subclasses (`httpAdapter.getRequestUrl(req)`). */
  @Optional() @Inject(HttpAdapterHost) protected readonly httpAdapterHost!: HttpAdapterHost;
  /** A `Reflector`, for subclasses reading metadata in `trackBy`. */
  protected readonly reflector = new Reflector();
  /**
   * Methods `isRequestCacheable` accepts. Only GET handlers are ever cached: adding a method here
   * does not cache it. @default ['GET']
   */
  protected allowedMethods = ['GET'];

  // Every dependency is injected as a property: a subclass ported from cache-manager declares
  // its own constructor and calls `super(cacheManager, reflector)` (see the metadata below).
  @Optional() @Inject(CacheEngine) private readonly injectedEngine?: CacheEngine;
  @Optional()
  @Inject(CACHE_RESOLVED_OPTIONS)
  private readonly injectedOptions?: ResolvedCacheOptions;
  @Optional()
  @Inject(CacheMetadataAccessor)
  private readonly injectedMetadata?: CacheMetadataAccessor;
  @Optional()
  @Inject(KeyFactoryRegistry)
  private readonly injectedKeyFactories?: KeyFactoryRegistry;
  @Inject(ModuleRef) private readonly injectedModuleRef?: ModuleRef;
  @Optional() @Inject(ModulesContainer) private readonly injectedModules?: ModulesContainer;

  /**
   * Built by Nest (its dependencies are injected as properties). A subclass written for
   * `@nestjs/cache-manager` may keep its `super(cacheManager, reflector)`: the arguments are not
   * needed.
   */
  constructor(_cacheManager?: unknown, _reflector?: unknown) {
    super(
      undefined as unknown as CacheEngine,
      undefined as unknown as ResolvedCacheOptions,
      undefined as unknown as CacheMetadataAccessor,
      undefined as unknown as KeyFactoryRegistry,
      undefined as unknown as ModuleRef,
    );
  }

  override onModuleInit(): void {
    const engine = this.injectedEngine;
    Object.assign(this as object, {
      engine,
      options: this.injectedOptions,
      metadata: this.injectedMetadata,
      keyFactories: this.injectedKeyFactories,
      moduleRef: this.injectedModuleRef,
      modules: this.injectedModules,
      flow: engine && new HttpCacheFlow(engine, this.injectedOptions!),
    });
    super.onModuleInit();
  }

  /**
   * The key of a request: `@CacheKey`'s when given, else the request URL (path and query), as
   * `@nestjs/cache-manager` keys it, so `cacheManager.del('/products')` still evicts that route.
   * Override it to key differently; `undefined` (or `''`) bypasses.
   */
  protected trackBy(ctx: ExecutionContext): string | undefined | Promise<string | undefined> {
    const plan = this.planOf(ctx);
    const route = plan?.cached && this.routes.get(plan.cached);
    if (!plan || !route) return undefined;
    if (route.key === undefined && this.excludedByOverride(ctx)) return undefined;
    return this.defaultKey(plan, route, ctx, ctx.switchToHttp().getRequest<HttpRequestLike>());
  }

  /**
   * Whether a request with no `@CacheKey` may be cached (its method is in `allowedMethods`), as
   * `@nestjs/cache-manager` asks; override it to exclude requests.
   */
  protected isRequestCacheable(ctx: ExecutionContext): boolean {
    const method = ctx.switchToHttp().getRequest<{ method?: string }>().method ?? 'GET';
    return this.allowedMethods.includes(method === 'HEAD' ? 'GET' : method);
  }

  protected override cachedMetadata(ctx: ExecutionContext): CachedMetadata | undefined {
    const handler = ctx.getHandler();
    const cls = ctx.getClass();
    // `@Cached` routes have their own interceptor; this one steps aside for them.
    if (this.metadata.cached(handler, cls) || this.metadata.evict(handler)) return undefined;
    if (Reflect.getMetadata(NO_CACHE_METADATA, handler)) return undefined;
    if (this.metadata.isEventStream(handler)) return undefined;
    if (Reflect.getMetadata(NEST_METHOD_METADATA, handler) !== RequestMethod.GET) return undefined;
    const ttl =
      Reflect.getMetadata(CACHE_TTL_METADATA, handler) ??
      Reflect.getMetadata(CACHE_TTL_METADATA, cls);
    const key = Reflect.getMetadata(CACHE_KEY_METADATA, handler);
    const where = `${cls.name}@${handler.name}`;
    const fixed = typeof ttl === 'number' ? { ttl: ttl === 0 ? Infinity : ttl } : {};
    const metadata = parseCachedOptions(where, false, fixed);
    this.routes.set(metadata, {
      key,
      ttlFactory: typeof ttl === 'function' ? ttl : undefined,
    });
    return metadata;
  }

  protected override evictMetadata(): CacheEvictMetadata | undefined {
    return undefined; // `@CacheEvict` routes are served by their own interceptor
  }

  protected override keyOf(
    plan: RoutePlan,
    ctx: ExecutionContext,
    req: HttpRequestLike,
  ): MaybePromise<string | undefined> {
    const route = plan.cached && this.routes.get(plan.cached);
    if (route === undefined) return super.keyOf(plan, ctx, req);
    if (this.trackBy !== CacheInterceptor.prototype.trackBy) return then(this.trackBy(ctx), asKey);
    if (route.key === undefined && this.excludedByOverride(ctx)) return undefined;
    return this.defaultKey(plan, route, ctx, req);
  }

  protected override handle(
    plan: RoutePlan,
    ctx: ExecutionContext,
    next: CallHandler,
  ): Observable<unknown> {
    const factory = plan.cached && this.routes.get(plan.cached)?.ttlFactory;
    if (factory === undefined) return super.handle(plan, ctx, next);
    const withTtl = (ms: unknown) => {
      if (!(typeof ms === 'number' && (ms === 0 || ms > 0))) {
        this.warnOnce(`${plan.where}:ttl`, () => messages.compatTtlFactoryInvalid(plan.where, ms));
        return next.handle();
      }
      return super.handle({ ...plan, ttl: ms === 0 ? Infinity : ms }, ctx, next);
    };
    let ms: unknown;
    try {
      ms = factory(ctx);
    } catch (error) {
      ms = error;
    }
    if (!isThenable(ms)) return withTtl(ms);
    return from(Promise.resolve(ms).catch((error: unknown) => error)).pipe(mergeMap(withTtl));
  }

  /** True when a subclass's `isRequestCacheable` turns the request down. */
  private excludedByOverride(ctx: ExecutionContext): boolean {
    if (this.isRequestCacheable === CacheInterceptor.prototype.isRequestCacheable) return false;
    return !this.isRequestCacheable(ctx);
  }

  private defaultKey(
    plan: RoutePlan,
    route: CompatRoute,
    ctx: ExecutionContext,
    req: HttpRequestLike,
  ): MaybePromise<string | undefined> {
    if (typeof route.key === 'string') return route.key;
    if (typeof route.key === 'function') return then(route.key(ctx), asKey);
    // A versioned or host-routed handler may share its URL with another handler or tenant: it
    // keeps nestjs-cached's key, which names the route, so their responses never mix.
    route.byUrl ??= !plan.route.byHost && JSON.parse(plan.route.name)[3] === null;
    const url = req.originalUrl ?? req.url;
    return route.byUrl && url !== undefined ? url : super.keyOf(plan, ctx, req);
  }
}

/** cache-manager bypasses any falsy key (`if (!key)`): `''` too. */
// Nest builds this class with no constructor arguments, and a subclass's constructor inherits no
// parameter tokens from nestjs-cached's interceptor (Nest merges inherited `@Inject` indexes into
// a subclass's own, which would hand `reflector` the module options).
Reflect.defineMetadata('design:paramtypes', [], CacheInterceptor);
Reflect.defineMetadata('self:paramtypes', [], CacheInterceptor);
Reflect.defineMetadata('optional:paramtypes', [], CacheInterceptor);

function asKey(key: string | undefined | null): string | undefined {
  return key === undefined || key === null || key === '' ? undefined : String(key);
}
