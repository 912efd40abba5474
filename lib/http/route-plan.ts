import { ExecutionContext, RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import {
  NEST_HEADERS_METADATA,
  NEST_METHOD_METADATA,
  NEST_NEXT_PARAM,
  NEST_RESPONSE_PARAM,
  NEST_RESPONSE_PASSTHROUGH_METADATA,
  NEST_ROUTE_ARGS_METADATA,
} from '../cache.constants';
import { KeySource, CachedMetadata, CacheEvictMetadata } from '../metadata/cached-metadata';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { CacheKeyFactoryClass } from '../interfaces/cache-key-factory.interface';
import { RouteIdentity } from '../keys/http-key';
import { SourceCounter } from '../core/source.counter';
import { StatsCounter } from '../core/stats.counter';
import type { FastRoute } from './fast-path/fast-path';
import { tokens } from './response-policy';
import { routeIdentity } from './route-identity';
import { RouteValidators } from './validators/cached-answer';
import { EtagKind } from './validators/etag';
import { routeValidators } from './validators/route-validators';
import { LockPolicy, resolveLock } from '../core/lock-policy';

/** Everything a cached route needs per request, worked out once, on its first request. */
export interface RoutePlan {
  where: string;
  cached?: CachedMetadata;
  evict?: CacheEvictMetadata;
  ttl: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  /** How long a request waits for another computing its key before it runs its own. */
  flightTimeout: number;
  /** Distributed single-flight; `undefined` when off. */
  lock?: LockPolicy;
  /** The implicit tag `Controller.handler`. */
  implicitTag: string;
  /** This route's counters (`stats({ bySource: true })`, metrics, events). */
  counter: SourceCounter;
  /** Part of the default key: module, controller, handler and version; the host when it routes by host. */
  route: RouteIdentity;
  tags: KeySource[];
  keyFactory?: CacheKeyFactoryClass;
  /** Lower-case request headers the key depends on: a handler may `Vary` on these. */
  keyedHeaders: ReadonlySet<string>;
  /** `Vary` names the handler declares with `@Header('Vary', …)` (set before it runs). */
  declaredVary: ReadonlySet<string>;
  /** The handler sends the response itself (`@Res()` / `@Next()`): nothing can be captured. */
  sendsItself: boolean;
  /**
   * Other interceptors see what the cache emits: on a hit they get the stored body (parsed when
   * it is JSON); on routes nobody else intercepts, a hit parses nothing.
   */
  observed: boolean;
  /**
   * A `ClassSerializerInterceptor` subclass that may pick its options per request wraps the
   * route: its output can differ between requests with one key, so shared entries are not used.
   */
  perRequestSerializer?: string;
  /** The cache interceptor is applied twice around this route (class and inherited method). */
  nested?: boolean;
  /** The entity tag the cache computes when it stores a response. */
  etag: EtagKind;
  /** What every cached answer of the route carries (`cachedAnswer`). */
  validators: RouteValidators;
  /** Read the request's `Cache-Control` (`honorRequestCacheControl`). */
  honorRequestCacheControl: boolean;
  /** Set when the route's hits take the fast path (`fast-path.eligibility.ts` said so). */
  fast?: FastRoute;
}

export interface PlanFacts {
  /** Where the route's counter is registered. */
  stats: StatsCounter;
  modules?: ModulesContainer;
  observed: boolean;
  perRequestSerializer?: string;
}

export function buildRoutePlan(
  ctx: ExecutionContext,
  cached: CachedMetadata | undefined,
  evict: CacheEvictMetadata | undefined,
  options: ResolvedCacheOptions,
  facts: PlanFacts,
): RoutePlan {
  const cls = ctx.getClass();
  const handler = ctx.getHandler();
  return {
    where: `${cls.name}@${handler.name}`,
    cached,
    evict,
    ttl: cached?.ttl ?? options.ttl,
    staleWhileRevalidate: cached?.staleWhileRevalidate ?? options.staleWhileRevalidate,
    staleIfError: cached?.staleIfError ?? options.staleIfError,
    flightTimeout: cached?.flightTimeout ?? options.flightTimeout,
    lock: resolveLock(cached?.distributedLock, options.distributedLock),
    implicitTag: `${cls.name}.${handler.name}`,
    counter: countedSource(facts.stats, cls, handler, cached),
    route: routeIdentity(cls, handler, facts.modules),
    tags: cached?.tags ?? [],
    keyFactory: cached?.keyFactory ?? options.keyFactory,
    keyedHeaders: keyedHeaders(cached),
    declaredVary: declaredVary(handler),
    sendsItself: sendsItself(cls, handler.name),
    observed: facts.observed,
    perRequestSerializer: facts.perRequestSerializer,
    ...routeValidators(cached, options),
  };
}

/**
 * The route's counter: registered (listed in `stats({ bySource })` and metrics) when the route reads
 * or writes the cache — `@Cached` on a GET/HEAD route, or `@CachePut`; a detached one otherwise.
 */
export function countedSource(
  stats: StatsCounter,
  cls: Function,
  handler: Function,
  cached: CachedMetadata | undefined,
): SourceCounter {
  const name = `${cls.name}.${handler.name}`;
  const verb: RequestMethod | undefined = Reflect.getMetadata(NEST_METHOD_METADATA, handler);
  const reads = verb === RequestMethod.GET || verb === RequestMethod.HEAD;
  if (cached && (cached.put || reads)) return stats.source(name, 'http');
  return new SourceCounter(name, 'http', stats);
}

/** `vary` headers, headers a key template reads, and for per-user entries the credentials. */
function keyedHeaders(cached: CachedMetadata | undefined): ReadonlySet<string> {
  const names = new Set(cached?.vary ?? []);
  if (cached?.scope === 'user') {
    names.add('authorization');
    names.add('cookie');
  }
  const key = cached?.key;
  if (key !== undefined && typeof key !== 'function') {
    for (const path of key.paths)
      if (path[0] === 'headers' && path[1]) names.add(path[1].toLowerCase());
  }
  return names;
}

function declaredVary(handler: Function): ReadonlySet<string> {
  const headers: { name: string; value: unknown }[] =
    Reflect.getMetadata(NEST_HEADERS_METADATA, handler) ?? [];
  return new Set(
    headers.filter((h) => h.name.toLowerCase() === 'vary').flatMap((h) => tokens(h.value)),
  );
}

/** As Nest decides it: a `@Res()` or `@Next()` parameter, unless `@Res({ passthrough: true })`. */
export function sendsItself(cls: Function, method: string): boolean {
  if (Reflect.getMetadata(NEST_RESPONSE_PASSTHROUGH_METADATA, cls, method)) return false;
  const params: Record<string, unknown> =
    Reflect.getMetadata(NEST_ROUTE_ARGS_METADATA, cls, method) ?? {};
  return Object.keys(params).some((key) => {
    const type = Number(key.split(':')[0]);
    return type === NEST_RESPONSE_PARAM || type === NEST_NEXT_PARAM;
  });
}
