import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { CACHE_RESOLVED_OPTIONS } from '../cache.constants';
import { CacheEngine } from '../core/cache.engine';
import { Ttl } from '../core/ttl';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { CacheService } from './cache.service';

/**
 * A ttl as cache-manager takes it: milliseconds, `0` for no expiry, or a function of the value.
 * @example
 * await cacheManager.wrap('rates', load, (rates) => rates.maxAgeMs);
 */
export type CacheManagerTtl<T> = number | ((value: T) => number);

/**
 * `wrap`'s options object, as cache-manager 7 takes it.
 * @example
 * await cacheManager.wrap('rates', load, { ttl: 60_000 });
 */
export interface CacheManagerWrapOptions<T> {
  /** @default the module's ttl */
  ttl?: CacheManagerTtl<T>;
  /** Accepted for compatibility; use `staleWhileRevalidate` with `CacheService.wrap` instead. */
  refreshThreshold?: number | ((value: T) => number);
  /** Answer `{ value, expires }` (epoch ms; `undefined` when it never expires) instead of the value. */
  raw?: boolean;
}

/** What `wrap(…, { raw: true })` answers, as cache-manager 7 does. */
export interface CacheManagerRawValue<T> {
  value: T;
  expires: number | undefined;
}

/**
 * The cache with cache-manager 7's shapes (`get`, `set(key, value, ttlMs?)`, `del`, `clear`,
 * `wrap`, `mget`, `mset`, `ttl`), over the same store and namespace as `CacheService`, so code
 * written for `@nestjs/cache-manager` keeps working. Every `CacheModule` provides it, under the
 * `CACHE_MANAGER` token and as this class (`Cache` in `nestjs-cached/compat`). Ttls are in
 * milliseconds and `0` means no expiry; a failing store reads as a miss and a failing write
 * resolves (as everywhere in nestjs-cached), while `del` and `clear` reject.
 * @example
 * constructor(@Inject(CACHE_MANAGER) private readonly cacheManager: Cache) {}
 * await this.cacheManager.set('key', 'value', 1000);
 * const value = await this.cacheManager.get<string>('key');
 */
@Injectable()
export class CacheManager {
  private readonly events = new EventEmitter();

  constructor(
    private readonly cache: CacheService,
    private readonly engine: CacheEngine,
    @Inject(CACHE_RESOLVED_OPTIONS) private readonly options: ResolvedCacheOptions,
  ) {}

  /** The value under `key`, or `undefined`. */
  get<T>(key: string): Promise<T | undefined> {
    return this.cache.get<T>(key);
  }

  /** The values under `keys`, in order (`undefined` for each one absent). */
  mget<T>(keys: string[]): Promise<(T | undefined)[]> {
    return Promise.all(keys.map((key) => this.cache.get<T>(key)));
  }

  /** When the entry under `key` expires (epoch milliseconds), or `undefined` (absent, or never). */
  async ttl(key: string): Promise<number | undefined> {
    const found = await this.engine.lookup(key);
    if (found.state !== 'fresh' || !Number.isFinite(found.entry.freshUntil)) return undefined;
    return found.entry.freshUntil;
  }

  /** Stores `value` for `ttl` ms (`0`: no expiry; default: the module's) and returns it. */
  async set<T>(key: string, value: T, ttl?: number): Promise<T> {
    await this.cache.set(key, value, { ttl: toTtl(ttl) });
    this.events.emit('set', { key, value });
    return value;
  }

  /** Stores several entries, each with its own optional ttl (ms), and returns them. */
  async mset<T>(
    list: { key: string; value: T; ttl?: number }[],
  ): Promise<{ key: string; value: T; ttl?: number }[]> {
    await Promise.all(
      list.map(({ key, value, ttl }) => this.cache.set(key, value, { ttl: toTtl(ttl) })),
    );
    this.events.emit('mset', { list });
    return list;
  }

  /** Deletes `key`; rejects when the store failed. */
  async del(key: string): Promise<boolean> {
    await this.cache.delete(key);
    this.events.emit('del', { key });
    return true;
  }

  /** Deletes `keys`; rejects when the store failed. */
  async mdel(keys: string[]): Promise<boolean> {
    await this.cache.delete(keys);
    this.events.emit('mdel', { keys });
    return true;
  }

  /** Removes every entry of this namespace (other namespaces in a shared store are untouched). */
  async clear(): Promise<boolean> {
    await this.cache.clear();
    this.events.emit('clear');
    return true;
  }

  /**
   * The cached value of `key`, or `fn`'s, stored for `ttl` ms (or a function of the value).
   * Concurrent callers share one run of `fn`.
   */
  wrap<T>(key: string, fn: () => T | Promise<T>, ttl?: CacheManagerTtl<T>): Promise<T>;
  wrap<T>(
    key: string,
    fn: () => T | Promise<T>,
    options: CacheManagerWrapOptions<T> & { raw: true },
  ): Promise<CacheManagerRawValue<T>>;
  wrap<T>(key: string, fn: () => T | Promise<T>, options: CacheManagerWrapOptions<T>): Promise<T>;
  async wrap<T>(
    key: string,
    fn: () => T | Promise<T>,
    ttlOrOptions?: CacheManagerTtl<T> | CacheManagerWrapOptions<T>,
  ): Promise<T | CacheManagerRawValue<T>> {
    const options = typeof ttlOrOptions === 'object' && ttlOrOptions !== null ? ttlOrOptions : {};
    const ttl = typeof ttlOrOptions === 'object' ? options.ttl : ttlOrOptions;
    // As cache-manager 7: a ttl function answering nothing means the module's ttl.
    const resolved =
      typeof ttl === 'function' ? (value: T) => toTtl(ttl(value)) ?? this.options.ttl : toTtl(ttl);
    const value = await this.cache.wrap(key, fn, { ttl: resolved });
    if (options.raw !== true) return value;
    return { value, expires: await this.ttl(key) };
  }

  /** Listens to `set`, `mset`, `del`, `mdel` and `clear` (emitted after they succeeded). */
  on(event: string, listener: (...args: any[]) => void): EventEmitter {
    return this.events.on(event, listener);
  }

  /** Stops listening. */
  off(event: string, listener: (...args: any[]) => void): EventEmitter {
    return this.events.off(event, listener);
  }

  /** The module closes its store at shutdown; this resolves at once. */
  async disconnect(): Promise<undefined> {
    return undefined;
  }

  /** The namespace this cache reads and writes. */
  cacheId(): string {
    return this.options.namespace;
  }
}

/** cache-manager's ttl (ms; `0` = no expiry) as a `Ttl`; `undefined` stays (the module's). */
function toTtl(ttl: number | undefined): Ttl | undefined {
  if (ttl === undefined || ttl === null) return undefined;
  return ttl === 0 ? Infinity : ttl;
}
