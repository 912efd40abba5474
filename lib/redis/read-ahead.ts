import { LRUCache } from 'lru-cache';
import { decodeEntry } from '../core/entry.codec';
import { StoreKeys } from '../core/store-keys';
import { kindOf, namespaceOf } from './redis-keys';

const MAX_HINTS = 10_000;

/**
 * Makes a Redis hit one round trip. The engine reads an entry, then the versions of its tags; the
 * store remembers which tag keys each entry key had (from the last value written or read), fetches
 * them in the same MGET as the entry, and answers the engine's next `getMany` of them from what
 * that MGET returned: each value once, within the same turn of the event loop.
 */
export class ReadAhead {
  private readonly hints = new LRUCache<string, readonly string[]>({ max: MAX_HINTS });
  private readonly layouts = new Map<string, StoreKeys>();
  private fetched = new Map<string, string | undefined>();
  private clearing = false;

  /** The tag keys last seen with entry `key` (none for a tag key or an unknown entry). */
  related(key: string): readonly string[] {
    return this.hints.get(key) ?? [];
  }

  /** Learns `key`'s tag keys from its stored `value`; returns the entry's `staleUntil`, if any. */
  learn(key: string, value: string): number | undefined {
    const kind = kindOf(key);
    if (kind !== 'e' && kind !== 'u') return undefined;
    let entry: ReturnType<typeof decodeEntry>;
    try {
      entry = decodeEntry(value);
    } catch {
      return undefined; // not an entry the engine wrote (or a damaged one): nothing to learn
    }
    if (entry === undefined || !Array.isArray(entry.tags)) return undefined;
    if (entry.tags.length === 0) this.hints.delete(key);
    else this.hints.set(key, this.layout(namespaceOf(key)).tagKeys(entry.tags));
    return entry.staleUntil;
  }

  /** Keeps values fetched along with an entry until this turn of the event loop ends. */
  keep(key: string, value: string | undefined): void {
    this.fetched.set(key, value);
    if (!this.clearing) {
      this.clearing = true;
      setImmediate(() => {
        this.fetched = new Map();
        this.clearing = false;
      });
    }
  }

  has(key: string): boolean {
    return this.fetched.has(key);
  }

  /** The value fetched ahead for `key`, consumed: a later read goes to the store again. */
  take(key: string): string | undefined {
    const value = this.fetched.get(key);
    this.fetched.delete(key);
    return value;
  }

  /** Forgets fetched values that a change made outdated. */
  forget(keys: Iterable<string>): void {
    for (const key of keys) this.fetched.delete(key);
  }

  forgetAll(): void {
    this.fetched.clear();
  }

  private layout(namespace: string): { tagKeys(tags: readonly string[]): string[] } {
    let keys = this.layouts.get(namespace);
    if (keys === undefined) this.layouts.set(namespace, (keys = new StoreKeys(namespace)));
    const layout = keys;
    return { tagKeys: (tags) => tags.map((tag) => layout.tag(tag)) };
  }
}
