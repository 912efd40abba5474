/** Metadata keys and DI tokens, namespaced so they never collide with other libraries. */
export const CACHED_METADATA = 'nestjs-cached:cached';
export const CACHE_PUT_METADATA = 'nestjs-cached:cache-put';
export const CACHE_EVICT_METADATA = 'nestjs-cached:cache-evict';
export const NO_CACHE_METADATA = 'nestjs-cached:no-cache';
export const CACHE_IDENTITY_METADATA = 'nestjs-cached:identity';
export const CACHE_RESOLVED_OPTIONS = 'nestjs-cached:resolved-options';

/** The Nest `@UseInterceptors` metadata key, read to find a route's ClassSerializerInterceptor. */
export const NEST_INTERCEPTORS_METADATA = '__interceptors__';

/** Entries whose key is longer than this are stored under a hash of it. */
export const MAX_KEY_LENGTH = 200;

/** Nest's route metadata, read at bootstrap to check that `@Cached` sits on a GET route. */
export const NEST_METHOD_METADATA = 'method';
export const NEST_PATH_METADATA = 'path';
/** Nest's parameter metadata, read to spot `@Res()` / `@Next()` handlers that send by themselves. */
export const NEST_ROUTE_ARGS_METADATA = '__routeArguments__';
export const NEST_RESPONSE_PARAM = 1;
export const NEST_NEXT_PARAM = 2;
/** Set by `@Res({ passthrough: true })` on (controller, method): the handler does not send. */
export const NEST_RESPONSE_PASSTHROUGH_METADATA = '__responsePassthrough__';
export const NEST_SSE_METADATA = '__sse__';
export const NEST_HEADERS_METADATA = '__headers__';

/** Metadata that marks a method as a GraphQL resolver, WebSocket or RPC handler. */
export const HANDLER_METADATA_KEYS = [
  'graphql:resolver_type',
  'message',
  'microservices:pattern',
  'graphql:resolve_property',
  'graphql:resolve_reference',
];

/**
 * DI token of the cache-manager-shaped provider (`@Inject(CACHE_MANAGER)`), which every
 * `CacheModule` provides; the same string as `@nestjs/cache-manager`'s, so a port keeps its code.
 */
export const CACHE_MANAGER = 'CACHE_MANAGER';
/** `@CacheKey` / `@CacheTTL` (`nestjs-cached/compat`), under `@nestjs/cache-manager`'s names. */
export const CACHE_KEY_METADATA = 'cache_module:cache_key';
export const CACHE_TTL_METADATA = 'cache_module:cache_ttl';
