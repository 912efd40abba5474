import Keyv from 'keyv';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { CACHE_STORE_BRAND, CacheStore } from './cache-store.interface';
import { MapSweeper, SWEEP_EVERY } from './map-sweeper';

/**
 * Adapts any Keyv instance (or a Keyv store adapter, wrapped in one) to the store contract.
 * The instance is switched to `throwOnErrors`: Keyv otherwise turns a failing store into misses
 * and `false`, and the cache must see failures to count them and to reject a failed delete.
 * @example
 * CacheModule.forRoot({ store: new Keyv({ store: new KeyvRedis('redis://localhost') }) })
 */
export class KeyvStore implements CacheStore {
  readonly [CACHE_STORE_BRAND] = true;
  readonly name: string;

  /** Whether `clear` can list this store's keys (`@CacheEvict({ all: true })` needs it). */
  readonly canClear: boolean;
  private readonly sweeper?: MapSweeper;
  private writes = 0;

  constructor(private readonly keyv: Keyv) {
    this.name = `keyv(${(keyv.store as object)?.constructor?.name ?? 'store'})`;
    keyv.throwOnErrors = true;
    this.canClear = typeof keyv.iterator === 'function';
    // A Map never drops what expired unless it is read again: sweep it a little on writes.
    if (keyv.store instanceof Map) this.sweeper = new MapSweeper(keyv, keyv.store);
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.keyv.get<string>(this.single(key));
    return value ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    // Without a getMany of its own, Keyv reads keys one by one and hides their failures.
    if (typeof (this.keyv.store as { getMany?: unknown })?.getMany !== 'function') {
      return Promise.all(keys.map((key) => this.get(key)));
    }
    const values = await this.keyv.get<string>([...keys]);
    return (values as (string | undefined)[]).map((value) => value ?? undefined);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    // Keyv reads `undefined` as "its own default ttl" and 0 as "never expires".
    const ttl = Number.isFinite(ttlMs) ? Math.ceil(ttlMs) : 0;
    if (!(await this.keyv.set(this.single(key), value, ttl))) {
      throw new Error(`${this.name}: set '${key}' was refused`);
    }
    if (this.sweeper !== undefined && ++this.writes % SWEEP_EVERY === 0) await this.sweeper.sweep();
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.keyv.delete([...keys]);
  }

  async clear(prefix: string): Promise<void> {
    if (!this.canClear) {
      throw new CacheConfigError(
        messages.storeCannotClear(this.name),
        CacheErrorCode.StoreUnsupported,
      );
    }
    const doomed: string[] = [];
    for await (const stored of this.storedKeys()) {
      const key = this.unprefixed(stored);
      if (key?.startsWith(prefix)) doomed.push(key);
    }
    if (doomed.length > 0) await this.keyv.delete(doomed);
  }

  /**
   * Keys as the underlying store holds them. Keyv's own iterator drops the first `:` segment of
   * every key, also when it has no namespace, and the cache's namespace would be lost with it.
   */
  private async *storedKeys(): AsyncIterable<string> {
    const store = this.keyv.store as
      | Map<string, unknown>
      | { namespace?: string; iterator(namespace?: string): AsyncIterable<[string, unknown]> };
    if (store instanceof Map) {
      yield* store.keys();
      return;
    }
    for await (const [key] of store.iterator(store.namespace)) yield key;
  }

  /** The key the cache wrote, or `undefined` for a key of another Keyv namespace. */
  private unprefixed(stored: string): string | undefined {
    const namespace = this.keyv.namespace;
    if (!namespace || this.keyv.useKeyPrefix === false) return stored;
    return stored.startsWith(`${namespace}:`) ? stored.slice(namespace.length + 1) : undefined;
  }

  /**
   * The key to give a single-key Keyv call. Keyv prefixes array keys with its namespace always,
   * but leaves a single key that already starts with `<namespace>:` as it is; prefixing such a key
   * once more here makes both land on `<namespace>:<key>`, where its iterator finds them too.
   */
  private single(key: string): string {
    const namespace = this.keyv.namespace;
    if (!namespace || this.keyv.useKeyPrefix === false) return key;
    return key.startsWith(`${namespace}:`) ? `${namespace}:${key}` : key;
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
