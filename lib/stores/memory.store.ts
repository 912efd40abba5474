import { LRUCache } from 'lru-cache';
import { CacheConfigError } from '../errors/cache-config.error';
import { messages } from '../errors/cache.messages';
import { flattenString } from '../utils/flatten-string';
import { CACHE_STORE_BRAND, CacheStore } from './cache-store.interface';

/** What an entry costs beyond its characters: LRU slots, string headers, the map's own entry. */
const ENTRY_OVERHEAD = 256;

/** Bounds of the in-memory store. */
export interface MemoryStoreOptions {
  /** Most entries kept (tag versions count as entries). @default 10_000 */
  maxEntries?: number;
  /**
   * Most bytes kept: keys and values as UTF-16, plus 256 bytes of bookkeeping per entry.
   * @default 67_108_864 (64 MiB)
   */
  maxBytes?: number;
}

/**
 * A bounded, in-process LRU (by count and by bytes) built on `lru-cache`. It keeps strings, so a
 * value read back is always a fresh copy. Answers synchronously.
 * @example
 * CacheModule.forRoot({ store: memoryStore({ maxEntries: 50_000, maxBytes: 128 * 1024 * 1024 }) })
 */
export class MemoryStore implements CacheStore {
  readonly [CACHE_STORE_BRAND] = true;
  readonly name = 'memoryStore';
  private readonly lru: LRUCache<string, string>;

  constructor(options: MemoryStoreOptions = {}) {
    const maxEntries = positiveInteger('maxEntries', options.maxEntries ?? 10_000);
    const maxBytes = positiveInteger('maxBytes', options.maxBytes ?? 64 * 1024 * 1024);
    this.lru = new LRUCache<string, string>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: (value, key) => (value.length + key.length) * 2 + ENTRY_OVERHEAD,
    });
  }

  get(key: string): string | undefined {
    return this.lru.get(key);
  }

  getMany(keys: readonly string[]): (string | undefined)[] {
    return keys.map((key) => this.lru.get(key));
  }

  set(key: string, value: string, ttlMs: number): void {
    const ttl = Number.isFinite(ttlMs) ? Math.ceil(ttlMs) : 0;
    this.lru.set(flattenString(key), flattenString(value), { ttl });
  }

  delete(keys: readonly string[]): void {
    for (const key of keys) this.lru.delete(key);
  }

  clear(prefix: string): void {
    for (const key of [...this.lru.keys()]) if (key.startsWith(prefix)) this.lru.delete(key);
  }

  /** Entries held now (for tests and stats). */
  get size(): number {
    return this.lru.size;
  }

  /** Bytes held now, as counted against `maxBytes`. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }
}

/** A bound given to `memoryStore()`; anything else is a configuration mistake, caught at once. */
function positiveInteger(option: string, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  throw new CacheConfigError(
    messages.invalidOption('memoryStore', option, 'a positive integer', value),
  );
}

/**
 * The default store: an embedded, bounded LRU.
 * @example
 * CacheModule.forRoot({ store: memoryStore({ maxEntries: 1_000 }) })
 */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options);
}
