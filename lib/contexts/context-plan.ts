import type { SourceCounter } from '../core/source.counter';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { CachedMetadata, CacheEvictMetadata } from '../metadata/cached-metadata';

/** The non-HTTP handler kinds `@Cached` serves. */
export type HandlerKind = 'graphql' | 'rpc' | 'ws';

/** What a GraphQL resolver method is, from its Nest metadata. */
export type ResolverRole = 'root' | 'field' | 'reference';

/**
 * One cached resolver, message handler or gateway handler, worked out once (at bootstrap when its
 * class is discovered): its kind, its source identity (the implicit tag, `Type.field` for GraphQL,
 * `Class.handler` for RPC and WS) and its resolved durations. Counters may be attached here.
 */
export interface ContextPlan {
  kind: HandlerKind;
  /** `Class@method`, for messages. */
  where: string;
  /**
   * The implicit tag and default key prefix. GraphQL: from the resolver's metadata at bootstrap
   * (`@Resolver(() => Type)` or `@Resolver('Type')` for fields, `Query` for root queries); filled
   * from the call's `info` on first use when the metadata does not name the type.
   */
  source: string | undefined;
  /** GraphQL only. */
  role?: ResolverRole;
  cached?: CachedMetadata;
  evict?: CacheEvictMetadata;
  ttl: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  flightTimeout: number;
  /** RPC/WS: the handler's pattern, for `{pattern}` when the transport does not tell. */
  pattern?: unknown;
  /**
   * The counters of a `@Cached` / `@CachePut` handler, allocated at bootstrap under `source` (kind
   * `graphql`, `rpc` or `ws`); a GraphQL resolver whose type its metadata does not name gets
   * them on first use.
   */
  counter?: SourceCounter;
}

export function buildContextPlan(
  kind: HandlerKind,
  className: string,
  method: string,
  cached: CachedMetadata | undefined,
  evict: CacheEvictMetadata | undefined,
  options: ResolvedCacheOptions,
  role?: ResolverRole,
  source?: string,
): ContextPlan {
  return {
    kind,
    where: `${className}@${method}`,
    source: kind === 'graphql' ? source : `${className}.${method}`,
    role,
    cached,
    evict,
    ttl: cached?.ttl ?? options.ttl,
    staleWhileRevalidate: cached?.staleWhileRevalidate ?? options.staleWhileRevalidate,
    staleIfError: cached?.staleIfError ?? options.staleIfError,
    flightTimeout: cached?.flightTimeout ?? options.flightTimeout,
  };
}
