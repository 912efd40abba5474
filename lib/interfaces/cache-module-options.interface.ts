import { ExecutionContext } from '@nestjs/common';
import { Ttl } from '../core/ttl';
import { DistributedLockOption, LockPolicy } from '../core/lock-policy';
import { CacheKeyFactoryClass } from './cache-key-factory.interface';
import { CacheMetricsOptions, ResolvedMetricsOptions } from './cache-metrics-options.interface';
import type { CacheControlOptions, ValidatorOptions } from '../http/validators/validator-options';

/**
 * Options of `CacheModule.forRoot()` / `forRootAsync()`; every field is optional.
 * @example
 * CacheModule.forRoot({ ttl: '1m', namespace: 'shop', statuses: [200, 203] })
 */
export interface CacheModuleOptions {
  /** Default time to live. @default '5m' */
  ttl?: Ttl;
  /** Prefix of every key written; apps with different namespaces never share entries. @default 'cache' */
  namespace?: string;
  /** `memoryStore()`, `redisStore()`, a Keyv instance or a Keyv store adapter. @default memoryStore() */
  store?: unknown;
  /** An `@Injectable()` class implementing `CacheKeyFactory`, used for every HTTP route. */
  keyFactory?: CacheKeyFactoryClass;
  /** HTTP statuses that may be stored. @default [200] */
  statuses?: number[];
  /** Response header carrying HIT, MISS, STALE or BYPASS; `false` disables it. @default 'X-Cache' */
  xCacheHeader?: string | false;
  /** Window after expiry in which a stale entry is served while one refresh runs. @default none */
  staleWhileRevalidate?: Ttl;
  /** Window after expiry in which a stale entry is served when the refresh throws. @default none */
  staleIfError?: Ttl;
  /** A store call slower than this (ms) counts as a failure and is served as a miss. @default 250 */
  storeTimeout?: number;
  /** The user identity for `scope: 'user'`. @default req.user?.id ?? req.user?.sub */
  userKey?: (ctx: ExecutionContext) => string | number | undefined;
  /**
   * Cookie names whose presence identifies a request (a session or auth cookie of your own):
   * such requests bypass shared entries unless the route has a `scope`. Sessions of
   * express-session and @fastify/session are detected without it. @default []
   */
  identityCookies?: string[];
  /**
   * Single-flight deadline: a caller waits at most this long for a computation of its key that is
   * already running, then runs its own; a computation older than this takes no new joiners.
   * @default '10s'
   */
  flightTimeout?: Ttl;
  /**
   * Emits `cache.hit`, `cache.miss`, `cache.stored`… through `@nestjs/event-emitter` (import
   * `EventEmitterModule.forRoot()`), only for names that have listeners. Payloads never hold values.
   * @default false
   */
  events?: boolean;
  /** Prometheus and OpenTelemetry metrics, read from the counters at scrape time. @default none */
  metrics?: CacheMetricsOptions;
  /**
   * HTTP routes: an `ETag` computed once when a response is stored (over status, content type
   * and body), sent on MISS, HIT and STALE; `If-None-Match` then gets `304`. A handler's own
   * `ETag` is kept as it is. @default 'weak'
   */
  etag?: 'weak' | 'strong' | false;
  /** HTTP routes: send `Last-Modified` = the entry's creation time. @default false */
  lastModified?: boolean;
  /**
   * HTTP routes: the `Cache-Control` to emit on cached GET responses (`public`, or `private` for
   * `scope: 'user'`); a handler's own `Cache-Control` wins. @default false
   */
  cacheControl?: false | CacheControlOptions;
  /**
   * HTTP routes: honour the request's `Cache-Control` (`no-cache` / `max-age=0` / `Pragma:
   * no-cache` skip the read, `no-store` skips the write, `only-if-cached` answers `504` on a
   * miss). Off by default, so no client can force the origin to work. @default false
   */
  honorRequestCacheControl?: boolean;
  /**
   * Answer hits of eligible HTTP routes (`scope: 'public'`, GET, no guard and no other
   * interceptor at any level) before Nest's pipeline; interceptors do not run on such hits.
   * Ineligible routes keep the standard path, with one warning. @default false
   */
  fastPath?: boolean;
  /**
   * `'frozen'`: hits of provider methods, `CacheService.get` and `wrap` return one deep-frozen
   * value shared by all callers instead of a fresh copy. @default 'copies'
   */
  values?: 'copies' | 'frozen';
  /**
   * Distributed single-flight: concurrent misses of one key on every instance sharing the store
   * run the handler or method once; the others wait (at most `wait`) and read its result. Needs a
   * store that can lock (`redisStore()`); `true` means `{ lease: '10s', wait: '5s' }`. Also per
   * decorator and per `CacheService.wrap` call. See docs/distributed-single-flight.md.
   * @default false
   */
  distributedLock?: DistributedLockOption;
}

/** Options after validation, with defaults applied and durations in milliseconds. */
export interface ResolvedCacheOptions {
  ttl: number;
  namespace: string;
  storeInput: unknown;
  keyFactory?: CacheKeyFactoryClass;
  statuses: ReadonlySet<number>;
  xCacheHeader: string | false;
  staleWhileRevalidate: number;
  staleIfError: number;
  storeTimeout: number;
  userKey: (ctx: ExecutionContext) => string | number | undefined;
  identityCookies: readonly string[];
  flightTimeout: number;
  events: boolean;
  metrics: ResolvedMetricsOptions;
  /** `etag`, `lastModified`, `cacheControl`, `honorRequestCacheControl`, defaults applied. */
  validators: ValidatorOptions;
  fastPath: boolean;
  values: 'copies' | 'frozen';
  /** The module's distributed lock; `undefined` when off. */
  distributedLock?: LockPolicy;
}
