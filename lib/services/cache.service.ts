import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { CACHE_RESOLVED_OPTIONS } from '../cache.constants';
import { CacheEngine, notStorableReason } from '../core/cache.engine';
import { parseOptionalTtl, Ttl } from '../core/ttl';
import { DistributedLockOption, parseLockSetting, resolveLock } from '../core/lock-policy';
import { assertCanLock } from '../stores/store-capabilities';
import { ValueCache } from '../core/value-cache';
import { serializeValue, UNDECODABLE } from '../core/value.serializer';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { CacheStats } from '../interfaces/cache-stats.interface';

/** Options of `CacheService.set`. */
export interface CacheSetOptions {
  /** @default the module's ttl */
  ttl?: Ttl;
  /** Tags to invalidate this entry by. */
  tags?: string[];
}

/** Options of `CacheService.delete`. */
export interface CacheDeleteOptions {
  /** The user whose own (`scope: 'user'`) entries to delete, as `userKey` returns it. */
  user?: string | number;
}

/** Options of `CacheService.wrap`. */
export interface CacheWrapOptions extends CacheSetOptions {
  staleWhileRevalidate?: Ttl;
  staleIfError?: Ttl;
  /**
   * Wait at most this long for a run of the same key already in progress, then run the factory.
   * @default the module's (`'10s'`)
   */
  flightTimeout?: Ttl;
  /**
   * One factory run across every instance sharing the store (needs `redisStore()`): `true`,
   * `false` or `{ lease, wait }`; without one that can lock, the call rejects with
   * `CacheConfigError`.
   * @default the module's (`false`)
   */
  distributedLock?: DistributedLockOption;
}

/**
 * Reads, writes and invalidates the cache. Keys are the strings key templates produce; the
 * namespace is added internally.
 * @example
 * constructor(private readonly cache: CacheService) {}
 * const product = await this.cache.wrap(`product:${id}`, () => this.repo.find(id), { ttl: '1m' });
 */
@Injectable()
export class CacheService implements OnApplicationShutdown {
  private readonly values: ValueCache;

  constructor(
    private readonly engine: CacheEngine,
    @Inject(CACHE_RESOLVED_OPTIONS) private readonly options: ResolvedCacheOptions,
  ) {
    this.values = new ValueCache(engine);
  }

  /** The fresh value under `key`, or `undefined`. A failing store reads as a miss. */
  async get<T>(key: string): Promise<T | undefined> {
    const found = await this.engine.lookup(key);
    const value =
      found.state === 'fresh' ? this.engine.decodeValue<T>(key, found.entry) : UNDECODABLE;
    if (value === UNDECODABLE) {
      this.engine.stats.misses++;
      return undefined;
    }
    this.engine.stats.hits++;
    return value;
  }

  /**
   * Stores `value` (`undefined` is ignored). Rejects with `CacheConfigError` for a bad ttl or a value
   * that cannot be stored; a failing store resolves (counted in `stats().errors`).
   */
  async set<T>(key: string, value: T, options: CacheSetOptions = {}): Promise<void> {
    const ttl = this.ttl(options.ttl, 'ttl') ?? this.options.ttl;
    if (value === undefined) return;
    let payload: string;
    try {
      payload = serializeValue(value);
    } catch (error) {
      throw new CacheConfigError(
        messages.notStorable(key, notStorableReason(error)),
        CacheErrorCode.NotStorable,
      );
    }
    this.engine.supersede(key);
    const ticket = await this.engine.begin(key, options.tags ?? []);
    await this.engine.commit(ticket, payload, { ttl });
  }

  /**
   * Deletes one key or several; rejects when the store failed. With `{ user }` (a `userKey` value)
   * it deletes that user's own entries, those `@Cached({ scope: 'user' })` wrote.
   * @example
   * await cache.delete('me', { user: req.user.id });
   */
  async delete(keys: string | string[], options: CacheDeleteOptions = {}): Promise<void> {
    const user = options.user === undefined ? undefined : String(options.user);
    await this.engine.delete(Array.isArray(keys) ? keys : [keys], user);
  }

  /** True when a fresh value is stored under `key`. */
  async has(key: string): Promise<boolean> {
    const found = await this.engine.lookup(key);
    return found.state === 'fresh' && this.engine.decodeValue(key, found.entry) !== UNDECODABLE;
  }

  /**
   * The cached value of `key`, or the factory's, stored. Concurrent callers share one factory run;
   * a rejection reaches every waiter and is not cached.
   */
  async wrap<T>(
    key: string,
    factory: () => T | Promise<T>,
    options: CacheWrapOptions = {},
  ): Promise<T> {
    const setting = parseLockSetting(options.distributedLock, 'CacheService@wrap');
    const lock = resolveLock(setting, this.options.distributedLock);
    if (setting) assertCanLock(this.engine.store, 'CacheService@wrap');
    return this.values.wrap(key, factory, {
      ttl: this.ttl(options.ttl, 'ttl') ?? this.options.ttl,
      tags: options.tags ?? [],
      staleWhileRevalidate:
        this.ttl(options.staleWhileRevalidate, 'staleWhileRevalidate') ??
        this.options.staleWhileRevalidate,
      staleIfError: this.ttl(options.staleIfError, 'staleIfError') ?? this.options.staleIfError,
      flightTimeout: this.ttl(options.flightTimeout, 'flightTimeout') ?? this.options.flightTimeout,
      lock,
    });
  }

  /** Invalidates every entry carrying one of the tags, in every process sharing the store. */
  async invalidateTags(tags: string | string[]): Promise<void> {
    await this.engine.invalidateTags(Array.isArray(tags) ? tags : [tags]);
  }

  /** Removes every entry of this namespace (other namespaces in a shared store are untouched). */
  async clear(): Promise<void> {
    await this.engine.clear();
  }

  /** Counters since start-up. */
  stats(): CacheStats {
    return this.engine.stats.snapshot();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.engine.store.close?.();
  }

  private ttl(value: Ttl | undefined, option: string): number | undefined {
    return parseOptionalTtl(value, `CacheService ${option}`);
  }
}
