/**
 * A lock on one entry that every process sharing the store sees: what distributed single-flight
 * (`distributedLock`) needs from a store. `redisStore()` has one; in-process stores and Keyv
 * adapters do not. Keys are store keys (`<ns>:e:<key>`); the store lays out the lock's own key.
 * Every method may reject: the cache then falls back to per-process single-flight.
 * @example
 * const token = await store.lock.acquire('shop:e:product:1', 10_000);
 * if (token !== null) {
 *   try { await compute(); } finally { await store.lock.release('shop:e:product:1', token); }
 * }
 */
export interface StoreLock {
  /** Takes the lock of `key` for `leaseMs` when nobody holds it: its token, or `null` when held. */
  acquire(key: string, leaseMs: number): Promise<string | null>;
  /** Extends the lease while `token` still holds it (compare-and-expire); `false` when lost. */
  extend(key: string, token: string, leaseMs: number): Promise<boolean>;
  /** Releases the lock when `token` still holds it (compare-and-delete) and wakes waiters. */
  release(key: string, token: string): Promise<void>;
  /**
   * Resolves when `key` is written or deleted, or its lock released, by any process sharing the
   * store (as far as the store can tell), or after `ms` at the latest. Never rejects.
   */
  changed(key: string, ms: number): Promise<void>;
}
