import type { EntryKey } from './store-keys';

/** Keys remembered at most; past it the memo starts afresh (cheaper than keeping LRU order). */
const MAX_KEYS = 1_000;

/**
 * Where recently read keys live in the store (`CacheEngine.at`), remembered by key: a hot key's
 * store key is built (and, when long, hashed) once, not on every hit. Shared keys only (no user).
 * `EntryKey` objects are immutable, so handing the same one to every call is safe.
 */
export class KeyLocations {
  private readonly memo = new Map<string, EntryKey>();

  constructor(private readonly locate: (key: string) => EntryKey) {}

  /** `key`'s location; what `locate` throws (a key that is not a string) goes to the caller. */
  at(key: string): EntryKey {
    let at = this.memo.get(key);
    if (at !== undefined) return at;
    at = this.locate(key);
    if (typeof key !== 'string') return at;
    if (this.memo.size >= MAX_KEYS) this.memo.clear();
    this.memo.set(key, at);
    return at;
  }
}
