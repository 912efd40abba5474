import { CacheStore } from './cache-store.interface';

/**
 * True when `store` can remove the keys of one namespace (`clear(prefix)`): what
 * `CacheService.clear()` and `@CacheEvict({ all: true })` need. A store says so with `canClear`;
 * one that does not say is assumed able.
 */
export function storeCanClear(store: CacheStore): boolean {
  return store.canClear !== false;
}
