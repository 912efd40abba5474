import { ExecutionContext } from '@nestjs/common';
import { HOST_METADATA } from '@nestjs/common/constants';
import {
  NEST_NEXT_PARAM,
  NEST_RESPONSE_PARAM,
  NEST_RESPONSE_PASSTHROUGH_METADATA,
  NEST_ROUTE_ARGS_METADATA,
} from '../cache.constants';
import { KeySource, CachedMetadata, CacheEvictMetadata } from '../metadata/cached-metadata';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { CacheKeyFactoryClass } from '../interfaces/cache-key-factory.interface';
import { RouteIdentity } from '../keys/http-key';
import { ResponseSerializer } from './class-serializer.finder';

/** Everything a cached route needs per request, worked out once, on its first request. */
export interface RoutePlan {
  where: string;
  cached?: CachedMetadata;
  evict?: CacheEvictMetadata;
  ttl: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  /** The implicit tag `Controller.handler` first, then the decorator's tags. */
  implicitTag: string;
  /** Part of the default key: the handler, and the host when the controller routes by host. */
  route: RouteIdentity;
  tags: KeySource[];
  keyFactory?: CacheKeyFactoryClass;
  serializer?: ResponseSerializer;
  /** The handler sends the response itself (`@Res()` / `@Next()`): nothing can be captured. */
  sendsItself: boolean;
  /**
   * The handler writes to the response (`@Res({ passthrough: true })`): it cannot run after a stale
   * response went out, so its refresh runs in the foreground.
   */
  writesResponse: boolean;
  /**
   * Nothing but the cache intercepts the route and the platform serializes JSON plainly, so a
   * hit can send the stored JSON text as it is, without parsing and serializing it again.
   */
  sendsStoredJson: boolean;
  /** The cache interceptor is applied twice around this route (class and inherited method). */
  nested?: boolean;
}

export function buildRoutePlan(
  ctx: ExecutionContext,
  cached: CachedMetadata | undefined,
  evict: CacheEvictMetadata | undefined,
  options: ResolvedCacheOptions,
  serializer: ResponseSerializer | undefined,
  sendsStoredJson: boolean,
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
    implicitTag: `${cls.name}.${handler.name}`,
    route: {
      name: `${cls.name}.${handler.name}`,
      byHost: Reflect.getMetadata(HOST_METADATA, cls) !== undefined,
    },
    tags: cached?.tags ?? [],
    keyFactory: cached?.keyFactory ?? options.keyFactory,
    serializer,
    sendsItself: sendsItself(cls, handler.name),
    writesResponse:
      Reflect.getMetadata(NEST_RESPONSE_PASSTHROUGH_METADATA, cls, handler.name) === true,
    sendsStoredJson,
  };
}

/** Express's `json spaces`, `json replacer` and `json escape` settings change what `res.json` sends. */
export function serializesJsonPlainly(res: unknown): boolean {
  const app = (res as { app?: { get?: (name: string) => unknown } }).app;
  if (typeof app?.get !== 'function') return true;
  return ['json spaces', 'json replacer', 'json escape'].every((name) => !app.get!(name));
}

/** As Nest decides it: a `@Res()` or `@Next()` parameter, unless `@Res({ passthrough: true })`. */
function sendsItself(cls: Function, method: string): boolean {
  if (Reflect.getMetadata(NEST_RESPONSE_PASSTHROUGH_METADATA, cls, method)) return false;
  const params: Record<string, unknown> =
    Reflect.getMetadata(NEST_ROUTE_ARGS_METADATA, cls, method) ?? {};
  return Object.keys(params).some((key) => {
    const type = Number(key.split(':')[0]);
    return type === NEST_RESPONSE_PARAM || type === NEST_NEXT_PARAM;
  });
}
