import Keyv from 'keyv';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { CACHE_STORE_BRAND, CacheStore } from './cache-store.interface';

/**
 * Adapts any Keyv instance (or a Keyv store adapter, wrapped in one) to the store contract.
 * @example
 * CacheModule.forRoot({ store: new Keyv({ store: new KeyvRedis('redis://localhost') }) })
 */
export class KeyvStore implements CacheStore {
  readonly [CACHE_STORE_BRAND] = true;
  readonly name: string;

  constructor(private readonly keyv: Keyv) {
    this.name = `keyv(${(keyv.store as object)?.constructor?.name ?? 'store'})`;
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.keyv.get<string>(key);
    return value ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.keyv.get<string>([...keys]);
    return (values as (string | undefined)[]).map((value) => value ?? undefined);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.keyv.set(key, value, Number.isFinite(ttlMs) ? Math.ceil(ttlMs) : undefined);
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 1) await this.keyv.delete(keys[0]);
    else if (keys.length > 1) await this.keyv.delete([...keys]);
  }

  async clear(prefix: string): Promise<void> {
    if (typeof this.keyv.iterator !== 'function') {
      throw new CacheConfigError(
        messages.storeCannotClear(this.name),
        CacheErrorCode.StoreUnsupported,
      );
    }
    const doomed: string[] = [];
    for await (const [key] of this.keyv.iterator(undefined))
      if (key.startsWith(prefix)) doomed.push(key);
    if (doomed.length > 0) await this.keyv.delete(doomed);
  }
}

/** True for a Keyv instance, duck-typed so a second copy of `keyv` in node_modules still works. */
export function isKeyv(value: unknown): value is Keyv {
  return (
    value instanceof Keyv ||
    (isStoreLike(value) && typeof (value as Keyv).hooks === 'object' && 'opts' in (value as object))
  );
}

/** Anything with the four methods of a Keyv store adapter (a `Map` qualifies). */
export function isStoreLike(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    ['get', 'set', 'delete', 'clear'].every((m) => typeof v[m] === 'function')
  );
}
