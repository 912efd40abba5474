import { LRUCache } from 'lru-cache';
import { messages } from '../errors/cache.messages';
import { MaybePromise } from '../stores/cache-store.interface';
import { isThenable, then } from '../utils/is-thenable';
import { CacheEntry } from './cache-entry';
import { decodeEntry } from './entry.codec';
import { copiedValue, frozenValue, templateBytes } from './frozen-value';
import { GuardedStore } from './guarded-store';
import { EntryKey, StoreKeys } from './store-keys';
import { TagVersions } from './tag-versions';
import { UNDECODABLE } from './value.serializer';

/** What a read found: nothing usable, a fresh entry, or one past its ttl but inside a stale window. */
export type Lookup =
  | { state: 'miss'; failed?: boolean }
  | { state: 'fresh' | 'stale'; entry: CacheEntry; staleForMs: number };

const MISS: Lookup = { state: 'miss' };
/** A miss because the store failed (counted per source in `errors`). */
const FAILED: Lookup = { state: 'miss', failed: true };

/**
 * Reads entries: decodes headers (memoized), checks times and tag versions, and turns a damaged
 * entry (malformed header, truncated or undecodable value) into a miss, removed from the store,
 * counted and logged — never an exception.
 */
export class EntryReader {
  /**
   * Entries decoded lately, by their stored text: an in-process store hands back the very same
   * string on every hit, so a hit skips the header's JSON.parse (and, read again, the value's:
   * see `copiedValue`). Bounded by count and bytes, the decoded value such an entry may keep
   * included.
   */
  private readonly decoded = new LRUCache<string, CacheEntry>({
    max: 1_000,
    maxSize: 8 * 1024 * 1024,
    sizeCalculation: (entry, raw) => raw.length * 2 + 1 + templateBytes(entry),
  });

  constructor(
    private readonly keys: StoreKeys,
    private readonly guarded: GuardedStore,
    private readonly tagVersions: TagVersions,
  ) {}

  /** See `CacheEngine.lookup`. */
  lookup(at: EntryKey): MaybePromise<Lookup> {
    const raw = this.guarded.read(at.storeKey);
    if (!isThenable<string | undefined | null>(raw))
      return this.check(at.storeKey, at.fullKey, raw);
    return then(raw, (found) => this.check(at.storeKey, at.fullKey, found));
  }

  /** `lookup` of several keys with one store read (tag versions are checked per entry). */
  lookupMany(keys: readonly string[], user?: string): MaybePromise<Lookup[]> {
    const storeKeys = keys.map((key) => this.keys.entry(key, user));
    return then(this.guarded.readMany(storeKeys), (raws) => {
      const found = keys.map((key, i) =>
        this.check(storeKeys[i], this.keys.fullKey(key, user), raws?.[i]),
      );
      return found.some(isThenable) ? Promise.all(found) : (found as Lookup[]);
    });
  }

  private check(
    storeKey: string,
    fullKey: string | undefined,
    raw: string | undefined | null,
  ): MaybePromise<Lookup> {
    if (raw === undefined) return MISS;
    if (raw === null) return FAILED;
    let entry = this.decoded.get(raw);
    if (entry === undefined) {
      entry = decodeEntry(raw);
      if (entry === undefined) return this.damaged(storeKey, 'header');
      this.decoded.set(raw, entry);
    }
    if (entry.fullKey !== fullKey) return MISS;
    const now = Date.now();
    if (now > entry.staleUntil) return MISS;
    const staleForMs = now - entry.freshUntil;
    const found: Lookup = { state: staleForMs > 0 ? 'stale' : 'fresh', entry, staleForMs };
    if (entry.tags.length === 0) return found;
    // The entry object is reused while memoized: its tags' store keys are worked out once.
    entry.tagKeys ??= this.tagVersions.storeKeys(entry.tags);
    return then(this.tagVersions.valid(entry.tagKeys, entry.tagVersions), (ok) =>
      ok ? found : MISS,
    );
  }

  /** See `CacheEngine.decodeValue`. */
  decodeValue<T = unknown>(
    at: EntryKey,
    entry: CacheEntry,
    frozen = false,
  ): T | typeof UNDECODABLE {
    const value = frozen ? frozenValue<T>(entry) : copiedValue<T>(entry);
    if (value === UNDECODABLE) this.damaged(at.storeKey, 'payload');
    return value;
  }

  private damaged(storeKey: string, part: string): Lookup {
    this.guarded.fault('get', new Error(messages.damagedEntry(storeKey, part)));
    this.guarded.discard([storeKey]);
    return MISS;
  }
}
