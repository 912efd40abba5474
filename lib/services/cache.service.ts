import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { CACHE_RESOLVED_OPTIONS } from '../cache.constants';
import { CacheEngine, EntryKey, Lookup, notStorableReason } from '../core/cache.engine';
import { KeyLocations } from '../core/key-locations';
import { isThenable } from '../utils/is-thenable';
import { MaybePromise } from '../stores/cache-store.interface';
import { parseOptionalTtl, Ttl } from '../core/ttl';
import { resultTtl, WarnOnce } from '../core/result-ttl';
import { outsideStrict, reportStoreFailure, strictly } from '../core/strict-scope';
import { ValueCache, WrapPolicy } from '../core/value-cache';
import { DistributedLockOption, parseLockSetting, resolveLock } from '../core/lock-policy';
import { assertCanLock } from '../stores/store-capabilities';
import { serializeValue, UNDECODABLE } from '../core/value.serializer';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { CacheStoreError } from '../errors/cache-store.error';
import { messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { CacheStats, CacheStatsOptions } from '../interfaces/cache-stats.interface';

/** Options of `CacheService.get`. */
export interface CacheGetOptions {
  /**
   * Reject with `CacheStoreError` when the store fails or times out, instead of reading a miss:
   * for data kept only in the cache. @default false
   */
  strict?: boolean;
}
import { CacheBatch, CacheBatchOptions } from './cache-batch';

/** Options of `CacheService.set`. */
export interface CacheSetOptions<T = any> {
  /**
   * A duration, or a function of the value (`(link) => link.expiresAt - Date.now()`); a function
   * answering something that is not a duration leaves the value unstored, with one warning.
   * @default the module's ttl
   */
  ttl?: Ttl | ((value: T) => Ttl);
  /** Tags to invalidate this entry by. */
  tags?: string[];
  /**
   * Reject with `CacheStoreError` when the store fails or times out, instead of resolving without
   * storing. @default false
   */
  strict?: boolean;
}

/** Options of `CacheService.delete`. */
export interface CacheDeleteOptions {
  /** The user whose own (`scope: 'user'`) entries to delete, as `userKey` returns it. */
  user?: string | number;
}

/** Options of `CacheService.wrap`. */
export interface CacheWrapOptions<T = any> extends CacheSetOptions<T> {
  staleWhileRevalidate?: Ttl;
  staleIfError?: Ttl;
  /**
   * Wait at most this long for a run of the same key already in progress, then run the factory.
   * @default the module's (`'10s'`)
   */
  flightTimeout?: Ttl;
  /** `'frozen'`: a hit returns one deep-frozen value shared by all callers. @default the module's */
  values?: 'copies' | 'frozen';
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
  private readonly warned = new WarnOnce(new Logger('CacheModule'));
  private readonly batch: CacheBatch;
  /** Store keys of the keys read lately: a hit builds none. */
  private readonly located: KeyLocations;
  private readonly frozen: boolean;

  constructor(
    private readonly engine: CacheEngine,
    @Inject(CACHE_RESOLVED_OPTIONS) private readonly options: ResolvedCacheOptions,
  ) {
    this.values = new ValueCache(engine);
    this.batch = new CacheBatch(engine, options);
    this.located = new KeyLocations((key) => engine.at(key));
    this.frozen = options.values === 'frozen';
  }

  /**
   * The fresh value under `key`, or `undefined`. A failing store reads as a miss, unless
   * `{ strict: true }`: then it rejects with `CacheStoreError`.
   * @example
   * const link = await cache.get<Link>(`link:${code}`, { strict: true });
   */
  get<T>(key: string, options?: CacheGetOptions): Promise<T | undefined> {
    if (!options?.strict) return this.read<T>(key);
    return strictly(async (failed) => {
      const value = await this.read<T>(key);
      throwIfFailed(failed, 'get', key);
      return value;
    });
  }

  /**
   * Stores `value` (`undefined` is ignored). Rejects with `CacheConfigError` for a bad ttl or a
   * value that cannot be stored; a failing store resolves (counted in `stats().errors`), unless
   * `{ strict: true }`: then it rejects with `CacheStoreError`.
   * @example
   * await cache.set(`link:${code}`, link, { ttl: (l) => l.expiresAt - Date.now(), strict: true });
   */
  set<T>(key: string, value: T, options: CacheSetOptions<T> = {}): Promise<void> {
    if (!options.strict) return this.write(key, value, options);
    return strictly(async (failed) => {
      await this.write(key, value, options);
      throwIfFailed(failed, 'set', key);
    });
  }

  /**
   * Deletes one key or several; rejects when the store failed. `undefined` and `null` (say
   * `delete(link?.code)`) do nothing; any other key that is not a string rejects with
   * `CacheConfigError`. With `{ user }` (a `userKey` value) it deletes that user's own entries,
   * those `@Cached({ scope: 'user' })` wrote.
   * @example
   * await cache.delete('me', { user: req.user.id });
   */
  async delete(
    keys: string | readonly (string | null | undefined)[] | null | undefined,
    options: CacheDeleteOptions = {},
  ): Promise<void> {
    if (keys === undefined || keys === null) return;
    const list = (Array.isArray(keys) ? keys : [keys]).filter((k) => k !== undefined && k !== null);
    const wrong = list.find((k) => typeof k !== 'string');
    if (wrong !== undefined || (!Array.isArray(keys) && typeof keys !== 'string')) {
      throw new CacheConfigError(
        messages.invalidDeleteKey(wrong ?? keys),
        CacheErrorCode.InvalidKey,
      );
    }
    if (list.length === 0) return;
    const user = options.user === undefined ? undefined : String(options.user);
    await this.engine.delete(list as string[], user);
  }

  /** True when a fresh value is stored under `key`. */
  async has(key: string): Promise<boolean> {
    const at = this.located.at(key);
    const found = await this.engine.lookup(at);
    return found.state === 'fresh' && this.engine.decodeValue(at, found.entry) !== UNDECODABLE;
  }

  /**
   * The cached value of `key`, or the factory's, stored. Concurrent callers share one factory run;
   * a rejection reaches every waiter and is not cached.
   */
  async wrap<T>(
    key: string,
    factory: () => T | Promise<T>,
    options: CacheWrapOptions<T> = {},
  ): Promise<T> {
    const setting = parseLockSetting(options.distributedLock, 'CacheService@wrap');
    const lock = resolveLock(setting, this.options.distributedLock);
    if (setting) assertCanLock(this.engine.store, 'CacheService@wrap');
    const ttlOf = typeof options.ttl === 'function' ? options.ttl : undefined;
    const policy: WrapPolicy = {
      ttl: ttlOf ? this.options.ttl : (this.ttl(options.ttl as Ttl, 'ttl') ?? this.options.ttl),
      ttlOf,
      tags: options.tags ?? [],
      staleWhileRevalidate:
        this.ttl(options.staleWhileRevalidate, 'staleWhileRevalidate') ??
        this.options.staleWhileRevalidate,
      staleIfError: this.ttl(options.staleIfError, 'staleIfError') ?? this.options.staleIfError,
      flightTimeout: this.ttl(options.flightTimeout, 'flightTimeout') ?? this.options.flightTimeout,
      frozen: (options.values ?? this.options.values) === 'frozen',
      lock,
    };
    if (!options.strict) return this.values.wrap(key, factory, policy);
    return strictly(async (failed) => {
      const found = await this.engine.lookup(key);
      throwIfFailed(failed, 'wrap', key); // before the factory runs: nothing is computed twice
      const value = await this.values.answer(key, found, () => outsideStrict(factory), policy);
      throwIfFailed(failed, 'wrap', key);
      return value;
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

  /**
   * Counters since start-up; `{ bySource: true }` adds them per cached handler, method or resolver.
   * @example
   * const { sources } = cache.stats({ bySource: true });
   * sources['ProductsController.findOne'].hits;
   */
  stats(options: CacheStatsOptions = {}): CacheStats {
    return this.engine.stats.snapshot(options.bySource === true);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.engine.store.close?.();
  }

  /**
   * The fresh values under `keys`, read from the store at once; `undefined` where there is none.
   * @example
   * const [a, b] = await cache.getMany<Product>(['product:1', 'product:2']);
   */
  getMany<T>(keys: string[]): Promise<(T | undefined)[]> {
    return this.batch.getMany<T>(keys);
  }

  /**
   * Stores several entries (`undefined` values are skipped); `ttl` may be a function of the value.
   * @example
   * await cache.setMany(products.map((p) => ({ key: `product:${p.id}`, value: p })), { ttl: '1m' });
   */
  setMany<T>(entries: { key: string; value: T }[], options?: CacheBatchOptions<T>): Promise<void> {
    return this.batch.setMany(entries, options);
  }

  /**
   * The cached value of each id; the missing ids are loaded with one `load` call (in input order)
   * and written back. `load` must return one value per id, in order, or the call rejects. Made for
   * DataLoader batch functions.
   * @example
   * new DataLoader((ids) => cache.wrapMany(ids, (id) => `product:${id}`, (missing) => repo.findByIds(missing)));
   */
  wrapMany<K, T>(
    ids: readonly K[],
    keyOf: (id: K) => string,
    load: (missing: K[]) => Promise<T[]> | T[],
    options?: CacheBatchOptions<T>,
  ): Promise<T[]> {
    return this.batch.wrapMany(ids, keyOf, load, options);
  }

  private ttl(value: Ttl | undefined, option: string): number | undefined {
    return parseOptionalTtl(value, `CacheService ${option}`);
  }

  private read<T>(key: string): Promise<T | undefined> {
    let at: EntryKey;
    let found: MaybePromise<Lookup>;
    try {
      at = this.located.at(key);
      found = this.engine.lookup(at);
    } catch (error) {
      // A key that is not a string: a rejection, as from any async method.
      return Promise.reject(error);
    }
    // An in-process store answers synchronously: no promise chain on such a hit.
    if (!isThenable<Lookup>(found)) return Promise.resolve(this.found<T>(key, at, found));
    return Promise.resolve(found).then((f) => this.found<T>(key, at, f));
  }

  private found<T>(key: string, at: EntryKey, found: Lookup): T | undefined {
    const value =
      found.state === 'fresh'
        ? this.engine.decodeValue<T>(at, found.entry, undefined, this.frozen)
        : UNDECODABLE;
    if (value === UNDECODABLE) {
      this.engine.service.miss(key, found);
      return undefined;
    }
    this.engine.service.hit(key, found.state === 'fresh' ? found.entry.createdAt : undefined);
    return value;
  }

  private async write<T>(key: string, value: T, options: CacheSetOptions<T>): Promise<void> {
    const ttlOf = typeof options.ttl === 'function' ? options.ttl : undefined;
    const fixed = ttlOf ? undefined : (this.ttl(options.ttl as Ttl, 'ttl') ?? this.options.ttl);
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
    const ttl = ttlOf ? resultTtl(key, value, ttlOf, this.warned) : fixed;
    if (ttl === undefined) return void this.engine.service.refused('unless', key);
    this.engine.supersede(key);
    const ticket = await this.engine.begin(key, options.tags ?? []);
    const stored = await this.engine.commit(ticket, payload, { ttl, source: this.engine.service });
    // Overtaken by a newer write (or a delete) of the key before it reached the store: a strict
    // caller cannot be told its value is stored, since nothing says the newer write landed.
    if (!stored && ticket.cancelled) reportStoreFailure(new Error(messages.superseded(key)));
  }
}

/** A strict call whose store failed rejects with `CacheStoreError`. */
function throwIfFailed(failed: () => unknown, operation: string, key: string): void {
  const failure = failed();
  if (failure === undefined) return;
  // A timeout, an open circuit or a lost connection keep their own code.
  const code = failure instanceof CacheStoreError ? failure.code : CacheErrorCode.StoreFailed;
  throw new CacheStoreError(messages.strictStoreFailed(operation, key, failure), code, failure);
}
