import { Ttl } from '../core/ttl';
import { DistributedLockOption } from '../core/lock-policy';
import { CacheKeyFactoryClass } from './cache-key-factory.interface';
import type { CacheControlOptions } from '../http/validators/validator-options';

/**
 * A key: a string with `{…}` placeholders filled at call time (`'product:{params.id}'` on a route,
 * `'product:{0}'` on a provider method), or a function returning the key.
 */
export type CacheKeyTemplate = string | ((...args: any[]) => string);

/**
 * Options of `@Cached()` and `@CachePut()`.
 * @example
 * @Cached({ ttl: '30s', key: 'product:{params.id}', tags: ['products'], scope: 'public' })
 */
export interface CachedOptions {
  /**
   * Time to live. On provider methods also a function of the result, `(value) => Ttl` (e.g. until
   * a record's own expiry); a function answering something that is not a duration leaves the
   * value unstored, with one warning. @default the module's ttl
   */
  ttl?: Ttl | ((result: any) => Ttl);
  /** The key. @default method, path, sorted query and `vary` headers (HTTP); Class.method + args hash */
  key?: CacheKeyTemplate;
  /** Tags to invalidate the entry by, templates allowed (`'product:{0}'`). @default [] */
  tags?: CacheKeyTemplate[];
  /** `'user'`: one entry per user; `'public'`: shared even for authenticated requests. @default none */
  scope?: 'public' | 'user';
  /** Evaluated first; `false` bypasses the cache (no read, no write). @default always */
  condition?: (...args: any[]) => boolean;
  /** Evaluated after a miss; `true` means do not store the result. @default never */
  unless?: (result: any, ...args: any[]) => boolean;
  /** Request header names whose values are part of the key. @default [] */
  vary?: string[];
  /** Serve a stale entry this long after expiry while one refresh runs. @default module's */
  staleWhileRevalidate?: Ttl;
  /** Serve a stale entry this long after expiry when the refresh throws. @default module's */
  staleIfError?: Ttl;
  /** A key factory for this route, overriding the module's. */
  keyFactory?: CacheKeyFactoryClass;
  /**
   * Single-flight deadline: a caller waits at most this long for a computation of its key that is
   * already running, then runs its own; a computation older than this takes no new joiners.
   * @default the module's (`'10s'`)
   */
  flightTimeout?: Ttl;
  /**
   * GraphQL resolvers: the key also holds the requested sub-selection (fragments expanded, aliases
   * and `__typename` ignored), for resolvers whose work depends on what is asked.
   * @default false
   */
  selection?: boolean;
  /** HTTP routes: the entity tag the cache computes. @default the module's (`'weak'`) */
  etag?: 'weak' | 'strong' | false;
  /** HTTP routes: send `Last-Modified` = the entry's creation time. @default the module's */
  lastModified?: boolean;
  /** HTTP routes: the `Cache-Control` to emit. @default the module's (`false`) */
  cacheControl?: false | CacheControlOptions;
  /** HTTP routes: honour the request's `Cache-Control`. @default the module's (`false`) */
  honorRequestCacheControl?: boolean;
  /**
   * HTTP routes: answer hits before Nest's guards, interceptors, pipes and handler, when the route
   * is eligible (`scope: 'public'`, GET, no guard, no other interceptor); see docs/performance.md.
   * @default the module's (`false`)
   */
  fastPath?: boolean;
  /**
   * Provider methods: `'frozen'` makes every hit return one deep-frozen value shared by all
   * callers (no copy per hit); `'copies'` returns a fresh copy per hit.
   * @default the module's (`'copies'`)
   */
  values?: 'copies' | 'frozen';
  /**
   * One run per key across every instance sharing the store (needs `redisStore()`): `true`, `false`
   * (off even when the module turns it on) or `{ lease, wait }`.
   * @default the module's (`false`)
   */
  distributedLock?: DistributedLockOption;
}

/** Options of `@CacheEvict()`. */
export interface CacheEvictOptions {
  /** Keys to delete (templates allowed). */
  keys?: CacheKeyTemplate[];
  /** Tags to invalidate (templates allowed). */
  tags?: CacheKeyTemplate[];
  /** Clear the whole namespace. @default false */
  all?: boolean;
  /** Evict before the method runs instead of after it succeeded. @default false */
  before?: boolean;
  /**
   * `'user'`: on a handler, `keys` name the current request's user's own entries (those
   * `@Cached({ scope: 'user' })` wrote, user from `userKey`). @default shared entries
   */
  scope?: 'user';
}
