import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  NestInterceptor,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import { from, mergeMap, Observable } from 'rxjs';
import { CACHE_RESOLVED_OPTIONS, NEST_HEADERS_METADATA } from '../cache.constants';
import { CacheEngine } from '../core/cache.engine';
import { errorText, messages } from '../errors/cache.messages';
import { findPerRequestSerializer, routeInterceptors } from '../http/class-serializer.finder';
import { HttpResponseLike } from '../http/http-response';
import { HttpCacheFlow } from '../http/http-cache.flow';
import { evictAround } from '../http/http-evict';
import { isIdentified } from '../http/request-identity';
import { buildRoutePlan, RoutePlan } from '../http/route-plan';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { HttpRequestLike } from '../keys/http-key';
import { routeKey } from '../http/route-key';
import { FastPath, fastPathOf } from '../http/fast-path/fast-path';
import { appConfigOf, decideFastPath } from '../http/fast-path/fast-path.eligibility';
import { KeyFactoryRegistry } from '../keys/key-factory.registry';
import { CacheMetadataAccessor } from '../metadata/cache-metadata.accessor';
import { CachedMetadata, CacheEvictMetadata } from '../metadata/cached-metadata';
import { MaybePromise } from '../stores/cache-store.interface';
import { isThenable, then } from '../utils/is-thenable';
import { userIdentity } from '../http/user-identity';
import { missingCacheModule } from '../explorer/missing-cache-module';
import { ContextHandlers } from '../contexts/context-handlers';

/** Marks a request the interceptor has taken in charge, on routes where it is applied twice. */
const TAKEN = Symbol('nestjs-cached.taken');

/**
 * Serves `@Cached` GET handlers from the cache. Applied by the decorators themselves; a hit
 * short-circuits the handler and replays what the miss sent. Reads, writes and user callbacks
 * never fail a request: a failing store is a miss, a failing callback a bypass.
 */
@Injectable()
export class CacheInterceptor implements NestInterceptor, OnModuleInit {
  protected readonly logger = new Logger('CacheModule');
  /** Plans by controller class, then handler: controllers may share an inherited handler. */
  private readonly plans = new Map<Function, Map<Function, RoutePlan | null>>();
  private readonly warned = new Set<string>();
  private readonly flow: HttpCacheFlow;
  private readonly fastPath: FastPath;

  // Optional so that a module that cannot see CacheModule gets a CacheConfigError naming the
  // decorated method (onModuleInit), not Nest's "can't resolve dependencies of CacheInterceptor".
  constructor(
    @Optional() protected readonly engine: CacheEngine,
    @Optional() @Inject(CACHE_RESOLVED_OPTIONS) protected readonly options: ResolvedCacheOptions,
    @Optional() protected readonly metadata: CacheMetadataAccessor,
    @Optional() private readonly keyFactories: KeyFactoryRegistry,
    private readonly moduleRef: ModuleRef,
    @Optional() private readonly modules?: ModulesContainer,
    @Optional() private readonly contexts?: ContextHandlers,
  ) {
    this.flow = engine && new HttpCacheFlow(engine, options);
    this.fastPath = engine && fastPathOf(engine, options);
  }

  onModuleInit(): void {
    if (this.engine === undefined) throw missingCacheModule(this, this.modules);
  }

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    // GraphQL, RPC and WebSocket handlers are cached by value, never through HTTP objects.
    if (ctx.getType() !== 'http' && this.contexts) return this.contexts.intercept(ctx, next);
    const plan = this.planOf(ctx);
    if (plan === null) return next.handle();
    return this.handle(plan, ctx, next);
  }

  /** The route's plan, worked out on its first request; `null` when the cache leaves it alone. */
  protected planOf(ctx: ExecutionContext): RoutePlan | null {
    const plan = this.plans.get(ctx.getClass())?.get(ctx.getHandler());
    return plan === undefined ? this.plan(ctx) : plan;
  }

  /** Serves one request of a planned route. */
  protected handle(plan: RoutePlan, ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') {
      this.warnOnce(plan.where, () => messages.unsupportedContext(plan.where, ctx.getType()));
      return next.handle();
    }
    const http = ctx.switchToHttp();
    const req = http.getRequest<HttpRequestLike & { [TAKEN]?: true }>();
    if (plan.fast !== undefined) this.fastPath.learn(plan.fast, req);
    if (plan.nested) {
      // The interceptor is applied twice here (a subclass's class-level @Cached over an inherited
      // method-level one): only the outer one acts, the inner one would wait for it.
      if (req[TAKEN]) return next.handle();
      req[TAKEN] = true;
    }
    const res = http.getResponse<HttpResponseLike>();
    if (plan.evict) {
      return evictAround(plan.evict, ctx, next, this.engine, this.options, () =>
        this.cache(plan, ctx, next, req, res),
      );
    }
    return this.cache(plan, ctx, next, req, res);
  }

  private cache(
    plan: RoutePlan,
    ctx: ExecutionContext,
    next: CallHandler,
    req: HttpRequestLike,
    res: HttpResponseLike,
  ): Observable<unknown> {
    const cached = plan.cached;
    if (cached === undefined) return next.handle();
    if (!cached.put && req.method !== 'GET' && req.method !== 'HEAD') return next.handle();
    if (plan.sendsItself || !this.passes(plan, ctx)) {
      return this.flow.bypass(res, next, plan.counter);
    }
    let user: string | undefined;
    if (cached.scope === 'user') {
      user = userIdentity(ctx, this.options.userKey, (message) =>
        this.warnOnce(`${plan.where}:userKey`, () => message(plan.where)),
      );
      if (user === undefined) return this.flow.bypass(res, next, plan.counter);
    } else if (cached.scope !== 'public' && isIdentified(req, this.options.identityCookies)) {
      return this.flow.bypass(res, next, plan.counter);
    }
    if (plan.perRequestSerializer !== undefined && user === undefined) {
      return this.flow.bypass(res, next, plan.counter);
    }
    let key: MaybePromise<string | undefined>;
    try {
      key = this.keyOf(plan, ctx, req);
    } catch (error) {
      // A key or tag callback that throws costs the cache, never the request.
      this.warnOnce(`${plan.where}:key`, () => messages.keyFailed(plan.where, errorText(error)));
      return this.flow.bypass(res, next, plan.counter);
    }
    const serve = (k: string | undefined) =>
      k === undefined
        ? this.flow.bypass(res, next, plan.counter)
        : this.flow.serve({ plan, ctx, next, req, res, key: k, user });
    if (!isThenable(key)) return serve(key);
    const settled = Promise.resolve(key).then(undefined, (error) => {
      this.warnOnce(`${plan.where}:key`, () => messages.keyFailed(plan.where, errorText(error)));
      return undefined;
    });
    return from(settled).pipe(mergeMap(serve));
  }

  /** `condition`; one that throws bypasses the cache, with one warning. */
  private passes(plan: RoutePlan, ctx: ExecutionContext): boolean {
    const condition = plan.cached!.condition;
    if (condition === undefined) return true;
    try {
      return Boolean(condition(ctx));
    } catch (error) {
      this.warnOnce(`${plan.where}:condition`, () =>
        messages.requestCallbackFailed(plan.where, 'condition', errorText(error)),
      );
      return false;
    }
  }

  protected keyOf(
    plan: RoutePlan,
    ctx: ExecutionContext,
    req: HttpRequestLike,
  ): MaybePromise<string | undefined> {
    const key = routeKey(plan, req, () => ctx);
    if (plan.keyFactory === undefined) return key;
    const factory = this.keyFactories.get(plan.keyFactory);
    if (factory) return then(factory.build(ctx, key), asKey);
    return this.keyFactories
      .resolve(plan.keyFactory, plan.where)
      .then((f) => f.build(ctx, key))
      .then(asKey);
  }

  /** What `@Cached` / `@CachePut` say about a handler (a subclass may cache more routes). */
  protected cachedMetadata(ctx: ExecutionContext): CachedMetadata | undefined {
    return this.metadata.cached(ctx.getHandler(), ctx.getClass());
  }

  /** What `@CacheEvict` says about a handler. */
  protected evictMetadata(ctx: ExecutionContext): CacheEvictMetadata | undefined {
    return this.metadata.evict(ctx.getHandler());
  }

  private plan(ctx: ExecutionContext): RoutePlan | null {
    const handler = ctx.getHandler();
    const cached = this.cachedMetadata(ctx);
    const evict = this.evictMetadata(ctx);
    let plan: RoutePlan | null = null;
    if (cached || evict) {
      const around = routeInterceptors(ctx, this.moduleRef);
      const ours = around.filter(isCacheInterceptor).length;
      const serializer = cached ? findPerRequestSerializer(around) : undefined;
      plan = buildRoutePlan(ctx, cached, evict, this.options, {
        stats: this.engine.stats,
        modules: this.modules,
        observed: ours < around.length,
        perRequestSerializer: cached?.scope === 'user' ? undefined : serializer,
      });
      plan.nested = ours > 1;
      const fast = decideFastPath(
        {
          cls: ctx.getClass(),
          handler,
          cached,
          evict,
          appConfig: appConfigOf(this.moduleRef),
          isOurs: isCacheInterceptor,
          sendsItself: plan.sendsItself,
        },
        this.options,
      );
      if (fast.requested && fast.eligible && !plan.nested) {
        const headers = Reflect.getMetadata(NEST_HEADERS_METADATA, handler) ?? [];
        plan.fast = { plan, cls: ctx.getClass(), handler, headers };
      }
      if (plan.perRequestSerializer !== undefined) {
        this.logger.warn(messages.perRequestSerializer(plan.where, plan.perRequestSerializer));
      }
    }
    const byHandler = this.plans.get(ctx.getClass()) ?? new Map<Function, RoutePlan | null>();
    byHandler.set(handler, plan);
    this.plans.set(ctx.getClass(), byHandler);
    return plan;
  }

  protected warnOnce(id: string, message: () => string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.logger.warn(message());
  }
}

/** The cache's own interceptor, as a class or an instance. */
export function isCacheInterceptor(interceptor: unknown): boolean {
  return (
    interceptor instanceof CacheInterceptor ||
    (typeof interceptor === 'function' &&
      (interceptor === CacheInterceptor || interceptor.prototype instanceof CacheInterceptor))
  );
}

/** A key factory's answer: `undefined` (or `null`) bypasses the cache. */
function asKey(key: string | undefined | null): string | undefined {
  return key === undefined || key === null ? undefined : String(key);
}
