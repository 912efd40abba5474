import Keyv from 'keyv';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { CacheStore, isCacheStore } from './cache-store.interface';
import { isKeyv, isStoreLike, KeyvStore } from './keyv.store';
import { memoryStore } from './memory.store';

/** Accepts what `CacheModuleOptions.store` may be and returns a `CacheStore`, or throws. */
export function toCacheStore(store: unknown): CacheStore {
  if (store === undefined) return memoryStore();
  if (isCacheStore(store)) return store;
  if (isKeyv(store)) return new KeyvStore(store);
  if (isStoreLike(store)) return new KeyvStore(new Keyv({ store: store as never }));
  throw new CacheConfigError(messages.invalidStore(store), CacheErrorCode.InvalidStore);
}
