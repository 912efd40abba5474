import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { from, mergeMap, Observable } from 'rxjs';
import { CACHE_RESOLVED_OPTIONS } from '../cache.constants';
import { CacheEngine } from '../core/cache.engine';
import { errorText, messages } from '../errors/cache.messages';
import { findClassSerializer, routeInterceptors } from '../http/class-serializer.finder';
import { templateRoot } from '../http/http-context';
import { HttpResponseLike } from '../http/http-response';
import { HttpCacheFlow } from '../http/http-cache.flow';
import { evictAround } from '../http/http-evict';
import { buildRoutePlan, RoutePlan, serializesJsonPlainly } from '../http/route-plan';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { defaultHttpKey, HttpRequestLike, varySuffix } from '../keys/http-key';
import { KeyFactoryRegistry } from '../keys/key-factory.registry';
import { CacheMetadataAccessor } from '../metadata/cache-metadata.accessor';
import { renderKey } from '../metadata/cached-metadata';
import { MaybePromise } from '../stores/cache-store.interface';
import { isThenable, then } from '../utils/is-thenable';

/** Marks a request the interceptor has taken in charge, on routes where it is applied twice. */
const TAKEN = Symbol('nestjs-cached.taken');

/**
 * Serves `@Cached` GET handlers from the cache. Applied by the decorators themselves; a hit
 * short-circuits the handler and replays status, handler-set headers and body. Reads and writes
 * never fail a request: a failing store is a miss.
 */
@Injectable()
export class CacheInterceptor implements NestInterceptor {
  private readonly logger = new Logger('CacheModule');
  /** Plans by controller class, then handler: controllers may share an inherited handler. */
  private readonly plans = new Map<Function, Map<Function, RoutePlan | null>>();
  private readonly warned = new Set<string>();
  private readonly flow: HttpCacheFlow;

  constructor(
    private readonly engine: CacheEngine,
    @Inject(CACHE_RESOLVED_OPTIONS) private readonly options: ResolvedCacheOptions,
    private readonly metadata: CacheMetadataAccessor,
    private readonly keyFactories: KeyFactoryRegistry,
    private readonly moduleRef: ModuleRef,
    private readonly reflector: Reflector,
  ) {
    this.flow = new HttpCacheFlow(engine, options);
  }

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = ctx.getHandler();
    let plan = this.plans.get(ctx.getClass())?.get(handler);
    if (plan === undefined) plan = this.plan(ctx);
    if (plan === null) return next.handle();
    if (ctx.getType() !== 'http') {
      this.warnOnce(plan.where, messages.unsupportedContext(plan.where, ctx.getType()));
      return next.handle();
    }
    // Should the interceptor still be applied twice (e.g. a subclass's class-level @Cached over an
    // inherited method-level one), only the outer one acts: the inner one would wait for it.
    const http = ctx.switchToHttp();
    const req = http.getRequest<HttpRequestLike & { [TAKEN]?: true }>();
    if (plan.nested) {
      // The interceptor is applied twice here (a subclass's class-level @Cached over an inherited
      // method-level one): only the outer one acts, the inner one would wait for it.
      if (req[TAKEN]) return next.handle();
      req[TAKEN] = true;
    }
    const res = http.getResponse<HttpResponseLike>();
    if (plan.evict) {
      const evict = plan.evict;
      return evictAround(evict, ctx, next, this.engine, () =>
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
    if (plan.sendsItself || (cached.condition && !cached.condition(ctx))) {
      return this.flow.bypass(res, next);
    }
    let user: string | undefined;
    if (cached.scope === 'user') {
      const id = this.options.userKey(ctx);
      if (id === undefined || id === null) return this.flow.bypass(res, next);
      user = String(id);
    } else if (cached.scope !== 'public' && (req.headers.authorization !== undefined || req.user)) {
      return this.flow.bypass(res, next);
    }
    let key: MaybePromise<string | undefined>;
    try {
      key = this.keyOf(plan, ctx, req);
    } catch (error) {
      // A key or tag callback that throws costs the cache, never the request.
      this.warnOnce(plan.where, messages.keyFailed(plan.where, errorText(error)));
      return this.flow.bypass(res, next);
    }
    if (!isThenable(key)) {
      return key === undefined
        ? this.flow.bypass(res, next)
        : this.flow.serve({ plan, ctx, next, res, key, user });
    }
    return from(key).pipe(
      mergeMap((k) =>
        k === undefined
          ? this.flow.bypass(res, next)
          : this.flow.serve({ plan, ctx, next, res, key: k, user }),
      ),
    );
  }

  private keyOf(
    plan: RoutePlan,
    ctx: ExecutionContext,
    req: HttpRequestLike,
  ): MaybePromise<string | undefined> {
    const cached = plan.cached!;
    const key = cached.key
      ? renderKey(cached.key, templateRoot(req), [ctx]) + varySuffix(req, cached.vary)
      : defaultHttpKey(req, cached.vary, plan.route);
    if (plan.keyFactory === undefined) return key;
    const factory = this.keyFactories.get(plan.keyFactory);
    if (factory) return then(factory.build(ctx, key), asKey);
    return this.keyFactories
      .resolve(plan.keyFactory, plan.where)
      .then((f) => f.build(ctx, key))
      .then(asKey);
  }

  private plan(ctx: ExecutionContext): RoutePlan | null {
    const handler = ctx.getHandler();
    const cached = this.metadata.cached(handler, ctx.getClass());
    const evict = this.metadata.evict(handler);
    let plan: RoutePlan | null = null;
    if (cached || evict) {
      const around = routeInterceptors(ctx, this.moduleRef);
      const ours = around.filter(
        (interceptor) =>
          interceptor === CacheInterceptor || interceptor instanceof CacheInterceptor,
      ).length;
      const serializer = cached
        ? findClassSerializer(ctx, this.moduleRef, this.reflector)
        : undefined;
      const plainJson =
        ctx.getType() === 'http' && serializesJsonPlainly(ctx.switchToHttp().getResponse());
      const alone = ours === around.length;
      plan = buildRoutePlan(ctx, cached, evict, this.options, serializer, alone && plainJson);
      plan.nested = ours > 1;
    }
    const byHandler = this.plans.get(ctx.getClass()) ?? new Map<Function, RoutePlan | null>();
    byHandler.set(handler, plan);
    this.plans.set(ctx.getClass(), byHandler);
    return plan;
  }

  private warnOnce(where: string, message: string): void {
    if (this.warned.has(where)) return;
    this.warned.add(where);
    this.logger.warn(message);
  }
}

/** A key factory's answer: `undefined` (or `null`) bypasses the cache. */
function asKey(key: string | undefined | null): string | undefined {
  return key === undefined || key === null ? undefined : String(key);
}
