import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  OnModuleDestroy,
} from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { from, mergeMap, Observable, toArray } from 'rxjs';
import { CACHE_RESOLVED_OPTIONS } from '../cache.constants';
import { CacheEngine } from '../core/cache.engine';
import { messages } from '../errors/cache.messages';
import { userIdentity } from '../http/user-identity';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { KeyFactoryRegistry } from '../keys/key-factory.registry';
import { CacheMetadataAccessor } from '../metadata/cache-metadata.accessor';
import { CallFacts, graphqlFacts, rpcFacts, wsFacts } from './context-call';
import { ContextCacheFlow } from './context-cache.flow';
import { buildContextPlan, ContextPlan } from './context-plan';
import { handlerFacts, HandlerFacts } from './handler-metadata';
import { streamThroughCache } from './observable-run';

/**
 * Caches GraphQL resolvers, microservice message handlers and gateway handlers, for one
 * `CacheModule`. The interceptor hands non-HTTP calls here; field resolvers whose interceptors do
 * not run (no `fieldResolverEnhancers: ['interceptors']`) come through a field middleware.
 */
@Injectable()
export class ContextHandlers implements OnModuleDestroy {
  readonly flow: ContextCacheFlow;
  /** Whether interceptors run on field resolvers in this app's GraphQL module. */
  fieldInterceptors = false;
  /** The app's executable GraphQL schema, when known: tells apps in one process apart. */
  schema: unknown;
  private readonly logger = new Logger('CacheModule');
  private readonly plans = new Map<Function, Map<Function, ContextPlan | null>>();
  private readonly onDestroy: (() => void)[] = [];
  private readonly unknown = new WeakSet<Function>();

  constructor(
    private readonly engine: CacheEngine,
    @Inject(CACHE_RESOLVED_OPTIONS) private readonly options: ResolvedCacheOptions,
    private readonly metadata: CacheMetadataAccessor,
    keyFactories: KeyFactoryRegistry,
  ) {
    this.flow = new ContextCacheFlow(engine, options, keyFactories);
  }

  /** The plan of a handler (built once), or `null` when nothing applies to it. */
  planOf(cls: Function, handler: Function): ContextPlan | null {
    let byHandler = this.plans.get(cls);
    if (byHandler === undefined) this.plans.set(cls, (byHandler = new Map()));
    let plan = byHandler.get(handler);
    if (plan === undefined) {
      plan = this.build(cls, handler, handlerFacts(cls, handler));
      byHandler.set(handler, plan);
    }
    return plan;
  }

  private build(cls: Function, handler: Function, facts?: HandlerFacts): ContextPlan | null {
    if (facts === undefined) return null;
    const methodLevel = this.metadata.methodCached(handler) !== undefined;
    let cached = this.metadata.cached(handler, cls);
    // A class-level @Cached serves root queries, message patterns and gateway messages only.
    if (!methodLevel && facts.role !== undefined && facts.role !== 'root') cached = undefined;
    if (facts.operation === 'Mutation' || facts.operation === 'Subscription' || facts.event) {
      cached = undefined;
    }
    const evict = this.metadata.evict(handler);
    if (cached === undefined && evict === undefined) return null;
    if (cached) this.engine.expectLifetime(cachedLifetime(cached, this.options));
    const plan = buildContextPlan(
      facts.kind,
      cls.name,
      handler.name,
      cached,
      evict,
      this.options,
      facts.role,
      facts.source,
    );
    plan.pattern = facts.pattern;
    // Counters from bootstrap on, so stats and scrapes list the handler before any traffic.
    if (cached && plan.source !== undefined) {
      plan.counter = this.engine.stats.source(plan.source, plan.kind);
    }
    return plan;
  }

  /** The interceptor's entry for every non-HTTP call. */
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const plan = this.planOf(ctx.getClass(), ctx.getHandler());
    if (plan === null) {
      this.warnUnknown(ctx);
      return next.handle();
    }
    // Field resolvers are served by the field middleware unless their interceptors run.
    if (plan.kind === 'graphql' && plan.role !== 'root' && !this.fieldInterceptors) {
      return next.handle();
    }
    const facts = this.factsOf(plan, ctx);
    const inner = (): Observable<unknown> => {
      if (!plan.cached) return next.handle();
      return streamThroughCache(
        () => next.handle(),
        (run) => this.flow.serve(plan, ctx, facts, run),
      );
    };
    if (!plan.evict) return inner();
    if (plan.evict.before) return from(this.evict(plan, ctx, facts)).pipe(mergeMap(inner));
    return inner().pipe(
      toArray(),
      mergeMap(async (values) => {
        await this.evict(plan, ctx, facts);
        return values;
      }),
      mergeMap((values) => from(values)),
    );
  }

  /** The field middleware's entry: a field or reference resolver called with its raw arguments. */
  async resolveField(
    cls: Function,
    handler: Function,
    raw: unknown[],
    next: () => Promise<unknown>,
  ): Promise<unknown> {
    const plan = this.planOf(cls, handler);
    if (plan === null || !plan.cached || this.fieldInterceptors) return next();
    const ctx = new ExecutionContextHost(raw, cls as never, handler as never);
    ctx.setType('graphql');
    const facts = graphqlFacts(plan, raw, this.options.identityCookies);
    const values = await this.flow.serve(plan, ctx, facts, async () => [await next()]);
    return values[0];
  }

  private factsOf(plan: ContextPlan, ctx: ExecutionContext): CallFacts {
    const pattern = plan.pattern;
    switch (plan.kind) {
      case 'graphql':
        return graphqlFacts(plan, ctx.getArgs(), this.options.identityCookies);
      case 'rpc':
        return rpcFacts(plan, ctx, rpcPattern(ctx) ?? pattern);
      default:
        return wsFacts(plan, ctx, pattern);
    }
  }

  /** `@CacheEvict` on a mutation, message or gateway handler. Rejects when the store failed. */
  private async evict(plan: ContextPlan, ctx: ExecutionContext, facts: CallFacts): Promise<void> {
    const evict = plan.evict!;
    if (evict.all) return this.engine.clear();
    const keys = this.flow.render(evict.keys, facts, ctx);
    const tags = this.flow.render(evict.tags, facts, ctx);
    if (evict.scope !== 'user') return this.engine.evict(keys, tags);
    const user = userIdentity(ctx, this.options.userKey, (message) =>
      this.logger.warn(message(plan.where)),
    );
    if (user === undefined) {
      this.logger.warn(messages.evictUserScopeWithoutUser(plan.where));
      return this.engine.evict([], tags);
    }
    return this.engine.evict(keys, tags, user);
  }

  /** A cached handler of a kind the cache does not know (a custom transport): one warning. */
  private warnUnknown(ctx: ExecutionContext): void {
    const cls = ctx.getClass();
    const handler = ctx.getHandler();
    if (this.unknown.has(handler) || handlerFacts(cls, handler) !== undefined) return;
    this.unknown.add(handler);
    if (this.metadata.cached(handler, cls) === undefined) return;
    this.logger.warn(messages.unsupportedContext(`${cls.name}@${handler.name}`, ctx.getType()));
  }

  /** Runs `release` when the app closes. */
  whenDestroyed(release: () => void): void {
    this.onDestroy.push(release);
  }

  onModuleDestroy(): void {
    for (const release of this.onDestroy.splice(0)) release();
  }
}

function rpcPattern(ctx: ExecutionContext): unknown {
  const context = ctx.switchToRpc().getContext<{ getPattern?: () => unknown }>();
  try {
    return typeof context?.getPattern === 'function' ? context.getPattern() : undefined;
  } catch {
    return undefined;
  }
}

function cachedLifetime(
  cached: { ttl?: number; staleWhileRevalidate?: number; staleIfError?: number },
  options: ResolvedCacheOptions,
): number {
  const ttl = cached.ttl ?? options.ttl;
  const stale = Math.max(
    cached.staleWhileRevalidate ?? options.staleWhileRevalidate,
    cached.staleIfError ?? options.staleIfError,
  );
  return ttl + stale;
}
