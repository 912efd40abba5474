import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { catchError, finalize, from, lastValueFrom, map, mergeMap, Observable, of } from 'rxjs';
import { CACHE_RESOLVED_OPTIONS } from '../cache.constants';
import { CacheEngine, Lookup } from '../core/cache.engine';
import { CacheEntry, ResponseMeta } from '../core/cache-entry';
import { FlightResult, Ticket } from '../core/flight';
import { deserializeValue } from '../core/value.serializer';
import { messages } from '../errors/cache.messages';
import { findClassSerializer } from '../http/class-serializer.finder';
import { renderAll, templateRoot } from '../http/http-context';
import { HttpResponseLike } from '../http/http-response';
import { evictAround } from '../http/http-evict';
import { captureMeta, isStorableResponse } from '../http/response-policy';
import { buildRoutePlan, RoutePlan } from '../http/route-plan';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { defaultHttpKey, HttpRequestLike, varySuffix } from '../keys/http-key';
import { KeyFactoryRegistry } from '../keys/key-factory.registry';
import { CacheMetadataAccessor } from '../metadata/cache-metadata.accessor';
import { renderKey } from '../metadata/cached-metadata';
import { MaybePromise } from '../stores/cache-store.interface';
import { isThenable, then } from '../utils/is-thenable';

type Label = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

/** Requests an interceptor has already taken in charge. */
const seen = new WeakSet<object>();

const ANY_2XX: ReadonlySet<number> = new Set(Array.from({ length: 100 }, (_, i) => 200 + i));

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

  constructor(
    private readonly engine: CacheEngine,
    @Inject(CACHE_RESOLVED_OPTIONS) private readonly options: ResolvedCacheOptions,
    private readonly metadata: CacheMetadataAccessor,
    private readonly keyFactories: KeyFactoryRegistry,
    private readonly moduleRef: ModuleRef,
    private readonly reflector: Reflector,
  ) {}

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
    const req = ctx.switchToHttp().getRequest<object>();
    if (seen.has(req)) return next.handle();
    seen.add(req);
    if (plan.evict)
      return evictAround(plan.evict, ctx, next, this.engine, () => this.cache(plan, ctx, next));
    return this.cache(plan, ctx, next);
  }

  private cache(plan: RoutePlan, ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const cached = plan.cached;
    if (cached === undefined) return next.handle();
    const http = ctx.switchToHttp();
    const req = http.getRequest<HttpRequestLike>();
    const res = http.getResponse<HttpResponseLike>();
    if (!cached.put && req.method !== 'GET' && req.method !== 'HEAD') return next.handle();
    if (plan.sendsItself || (cached.condition && !cached.condition(ctx))) {
      return this.bypass(res, next);
    }
    let user: string | undefined;
    if (cached.scope === 'user') {
      const id = this.options.userKey(ctx);
      if (id === undefined || id === null) return this.bypass(res, next);
      user = String(id);
    } else if (cached.scope !== 'public' && (req.headers.authorization !== undefined || req.user)) {
      return this.bypass(res, next);
    }
    const key = this.keyOf(plan, ctx, req, user);
    return isThenable(key)
      ? from(key).pipe(mergeMap((k) => this.serve(plan, ctx, next, res, k)))
      : this.serve(plan, ctx, next, res, key);
  }

  private keyOf(
    plan: RoutePlan,
    ctx: ExecutionContext,
    req: HttpRequestLike,
    user: string | undefined,
  ): MaybePromise<string | undefined> {
    const cached = plan.cached!;
    const key = cached.key
      ? renderKey(cached.key, templateRoot(req), [ctx]) + varySuffix(req, cached.vary)
      : defaultHttpKey(req, cached.vary, plan.route);
    const scoped = (k: string | undefined) =>
      k === undefined || k === null
        ? undefined
        : user === undefined
          ? String(k)
          : `u:${JSON.stringify(user)}:${k}`;
    if (plan.keyFactory === undefined) return scoped(key);
    const factory = this.keyFactories.get(plan.keyFactory);
    if (factory) return then(factory.build(ctx, key), scoped);
    return this.keyFactories
      .resolve(plan.keyFactory, plan.where)
      .then((f) => f.build(ctx, key))
      .then(scoped);
  }

  private serve(
    plan: RoutePlan,
    ctx: ExecutionContext,
    next: CallHandler,
    res: HttpResponseLike,
    key: string | undefined,
  ): Observable<unknown> {
    if (key === undefined) return this.bypass(res, next);
    if (plan.cached!.put) return this.put(plan, ctx, next, res, key);
    const found = this.engine.lookup(key);
    return isThenable<Lookup>(found)
      ? from(found).pipe(mergeMap((f) => this.answer(plan, ctx, next, res, key, f)))
      : this.answer(plan, ctx, next, res, key, found);
  }

  private answer(
    plan: RoutePlan,
    ctx: ExecutionContext,
    next: CallHandler,
    res: HttpResponseLike,
    key: string,
    found: Lookup,
  ): Observable<unknown> {
    const { stats } = this.engine;
    if (found.state === 'fresh') {
      stats.hits++;
      return of(this.replay(res, found.entry, 'HIT'));
    }
    if (found.state === 'stale') {
      if (found.staleForMs <= plan.staleWhileRevalidate) {
        stats.staleHits++;
        this.refreshInBackground(plan, ctx, next, res, key, found.entry.meta);
        return of(this.replay(res, found.entry, 'STALE'));
      }
      if (found.staleForMs <= plan.staleIfError) {
        stats.misses++;
        return this.miss(plan, ctx, next, res, key).pipe(
          catchError((error) => {
            this.logger.warn(messages.staleIfError(key, error));
            stats.staleHits++;
            return of(this.replay(res, found.entry, 'STALE'));
          }),
        );
      }
    }
    stats.misses++;
    return this.miss(plan, ctx, next, res, key);
  }

  /** Runs the handler once for all concurrent requests of `key`, and stores what may be stored. */
  private miss(
    plan: RoutePlan,
    ctx: ExecutionContext,
    next: CallHandler,
    res: HttpResponseLike,
    key: string,
  ): Observable<unknown> {
    this.label(res, 'MISS');
    const before = res.getHeaders();
    const tags = [plan.implicitTag, ...renderAll(plan.tags, ctx)];
    const flight = this.engine.flight(key, tags, async (ticket) => {
      const value = await lastValueFrom(next.handle(), { defaultValue: undefined });
      return this.store(plan, ctx, res, key, ticket, value, () =>
        captureMeta(res, before, this.options.xCacheHeader),
      );
    });
    if (flight.leader) return from(flight.promise).pipe(map((result) => result.value));
    return from(flight.promise).pipe(
      mergeMap((result) =>
        result.payload === undefined ? next.handle() : of(this.replayShared(res, result)),
      ),
    );
  }

  private store(
    plan: RoutePlan,
    ctx: ExecutionContext,
    res: HttpResponseLike,
    key: string,
    ticket: Ticket,
    value: unknown,
    meta: () => ResponseMeta | undefined,
    statuses: ReadonlySet<number> = this.options.statuses,
  ): FlightResult<unknown> {
    const result: FlightResult<unknown> = { value };
    if (value === undefined || !isStorableResponse(res, value, statuses)) return result;
    if (plan.cached!.unless?.(value, ctx)) return result;
    result.payload = this.engine.serialize(key, plan.serializer ? plan.serializer(value) : value);
    if (result.payload === undefined) return result;
    result.meta = meta();
    const staleWindow = Math.max(plan.staleWhileRevalidate, plan.staleIfError);
    void this.engine.commit(ticket, result.payload, {
      ttl: plan.ttl,
      staleWindow,
      meta: result.meta,
    });
    return result;
  }

  /**
   * `@CachePut` on a handler: always runs it, then stores its 2xx result under the key, without
   * status or headers (readers replay their own), newer than any computation in progress.
   */
  private put(
    plan: RoutePlan,
    ctx: ExecutionContext,
    next: CallHandler,
    res: HttpResponseLike,
    key: string,
  ): Observable<unknown> {
    this.engine.supersede(key);
    const tags = [plan.implicitTag, ...renderAll(plan.tags, ctx)];
    return from(Promise.resolve(this.engine.begin(key, tags))).pipe(
      mergeMap((ticket) =>
        next.handle().pipe(
          map((value) => {
            this.store(plan, ctx, res, key, ticket, value, () => undefined, ANY_2XX);
            return value;
          }),
          finalize(() => this.engine.release(ticket)),
        ),
      ),
    );
  }

  /** One refresh at a time per key, after a stale entry was served; failures are only logged. */
  private refreshInBackground(
    plan: RoutePlan,
    ctx: ExecutionContext,
    next: CallHandler,
    res: HttpResponseLike,
    key: string,
    meta: ResponseMeta | undefined,
  ): void {
    const tags = [plan.implicitTag, ...renderAll(plan.tags, ctx)];
    const flight = this.engine.flight(key, tags, async (ticket) => {
      const value = await lastValueFrom(next.handle(), { defaultValue: undefined });
      return this.store(plan, ctx, res, key, ticket, value, () => meta);
    });
    if (flight.leader) {
      flight.promise.catch((error) =>
        this.logger.error(messages.backgroundRefreshFailed(key, error)),
      );
    }
  }

  private replay(res: HttpResponseLike, entry: CacheEntry, label: Label): unknown {
    this.label(res, label);
    res.header('Age', String(Math.max(0, Math.floor((Date.now() - entry.createdAt) / 1000))));
    if (entry.meta) this.applyMeta(res, entry.meta);
    return deserializeValue(entry.payload);
  }

  private replayShared(res: HttpResponseLike, result: FlightResult<unknown>): unknown {
    if (result.meta) this.applyMeta(res, result.meta);
    return deserializeValue(result.payload!);
  }

  private applyMeta(res: HttpResponseLike, meta: ResponseMeta): void {
    res.status(meta.status);
    for (const name in meta.headers) res.header(name, meta.headers[name]);
  }

  private bypass(res: HttpResponseLike, next: CallHandler): Observable<unknown> {
    this.engine.stats.bypasses++;
    this.label(res, 'BYPASS');
    return next.handle();
  }

  private label(res: HttpResponseLike, label: Label): void {
    if (this.options.xCacheHeader !== false) res.header(this.options.xCacheHeader, label);
  }

  private plan(ctx: ExecutionContext): RoutePlan | null {
    const handler = ctx.getHandler();
    const cached = this.metadata.cached(handler, ctx.getClass());
    const evict = this.metadata.evict(handler);
    const plan =
      cached || evict
        ? buildRoutePlan(
            ctx,
            cached,
            evict,
            this.options,
            cached ? findClassSerializer(ctx, this.moduleRef, this.reflector) : undefined,
          )
        : null;
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
