import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { CacheStore } from './cache-store.interface';

/**
 * True when `store` can remove the keys of one namespace (`clear(prefix)`): what
 * `CacheService.clear()` and `@CacheEvict({ all: true })` need. A store says so with `canClear`;
 * one that does not say is assumed able.
 */
export function storeCanClear(store: CacheStore): boolean {
  return store.canClear !== false;
}

/** The store's circuit state: `'closed'` for a store without a breaker. */
export function storeCircuit(store: CacheStore): 'closed' | 'open' | 'half-open' {
  return store.circuit ?? 'closed';
}

/**
 * Throws `CacheConfigError` at bootstrap for `@CacheEvict({ all: true })` at `where` on a store
 * that cannot clear one namespace (it would otherwise fail every such call after the work ran).
 */
export function assertCanEvictAll(store: CacheStore, where: string): void {
  if (!storeCanClear(store)) {
    throw new CacheConfigError(
      messages.evictAllUnsupported(where, store.name),
      CacheErrorCode.StoreUnsupported,
    );
  }
}

/**
 * Throws `CacheConfigError` for `distributedLock` set at `where` on a store that cannot lock across
 * instances (in-process stores, Keyv adapters): it would silently give per-process single-flight.
 */
export function assertCanLock(store: CacheStore, where: string): void {
  if (store.lock === undefined) {
    throw new CacheConfigError(
      messages.lockUnsupported(where, store.name),
      CacheErrorCode.StoreUnsupported,
    );
  }
}
