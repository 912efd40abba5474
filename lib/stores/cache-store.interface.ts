import type { StoreLock } from './store-lock.interface';

/** A value or a promise of it: in-process stores answer synchronously so a hit needs no promise. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The storage contract. Stores keep strings only (the serializer sits above them) and know nothing
 * of tags, staleness or HTTP. An in-process store answers synchronously; a remote one returns
 * promises. Every method may throw or reject: the cache contains the failure.
 *
 * Designed for what comes next: a Redis L2 behind an in-process L1 implements the same contract,
 * `getMany` fetches an entry's tag versions in one round trip (MGET), and `onInvalidate` lets a
 * shared store tell every process's L1 which keys another instance deleted or overwrote.
 */
export interface CacheStore {
  /** Shown in logs, e.g. `memoryStore`. */
  readonly name: string;
  get(key: string): MaybePromise<string | undefined>;
  /** Values in the order of `keys`, `undefined` where absent. */
  getMany(keys: readonly string[]): MaybePromise<(string | undefined)[]>;
  /** `ttlMs` is a positive number of milliseconds or `Infinity` (no expiry). */
  set(key: string, value: string, ttlMs: number): MaybePromise<void>;
  delete(keys: readonly string[]): MaybePromise<void>;
  /** Removes every key that starts with `prefix` (one namespace). */
  clear(prefix: string): MaybePromise<void>;
  /**
   * `false` when `clear` cannot work (the store cannot list its keys): `@CacheEvict({ all: true })`
   * is then refused at bootstrap. Left out: able.
   */
  readonly canClear?: boolean;
  /** Subscribes to keys that another process deleted or overwrote (shared stores only). */
  onInvalidate?(listener: (keys: string[]) => void): void;
  /**
   * Called at bootstrap by every cache that uses this store, with its namespace and its
   * `storeTimeout`, so a shared store can get ready for it (e.g. subscribe to its invalidation
   * channel) before the first request.
   */
  attach?(namespace: string, settings: { storeTimeout: number }): void;
  /**
   * The state of the store's circuit breaker, for stores that have one (`redisStore`): read by
   * metrics and the health indicator. Left out: `'closed'`.
   */
  readonly circuit?: 'closed' | 'open' | 'half-open';
  /**
   * Subscribes to circuit changes (stores with a breaker): `cache.circuit.*` events. Returns the
   * unsubscribe function.
   */
  onCircuitChange?(listener: (state: 'closed' | 'open' | 'half-open') => void): () => void;
  /**
   * A lock every process sharing the store sees (distributed single-flight). Left out: the store
   * cannot lock, and `distributedLock` is refused at bootstrap.
   */
  readonly lock?: StoreLock;
  /** Closes connections; called when the Nest application shuts down. */
  close?(): MaybePromise<void>;
}

/** Brand that marks an object as a ready `CacheStore` (not a Keyv adapter to wrap). */
export const CACHE_STORE_BRAND = Symbol.for('nestjs-cached.store');

export function isCacheStore(value: unknown): value is CacheStore {
  return typeof value === 'object' && value !== null && CACHE_STORE_BRAND in value;
}
