import { randomBytes } from 'node:crypto';
import { MaybePromise } from '../stores/cache-store.interface';
import { isThenable, then } from '../utils/is-thenable';
import { GuardedStore } from './guarded-store';
import { StoreKeys } from './store-keys';

/** How long a version written by an invalidation lives. */
export const INVALIDATED_VERSION_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Tag invalidation in O(1): each tag has a version in the store; an entry records the versions it
 * was computed under and is valid only while they are all current. Invalidating a tag writes a new
 * version, so every process sharing the store sees it on its next read, with no scan of entries.
 * A version that is missing (evicted, cleared) invalidates the entries that recorded it.
 */
export class TagVersions {
  private sequence = 0;
  /** Versions being written for tags that had none, so concurrent computations agree on one. */
  private readonly creating = new Map<string, Promise<string | null>>();
  /** Versions this process created and has not invalidated since (bounded). */
  private readonly createdHere = new Map<string, string>();

  constructor(
    private readonly store: GuardedStore,
    private readonly keys: StoreKeys,
  ) {}

  /**
   * Current versions; `''` for a tag that has none yet (it is created by `establish` when an entry
   * is stored, never by a read, so requests for unknown ids cannot grow the store). `null` when
   * the store failed.
   */
  current(tags: readonly string[]): MaybePromise<string[] | null> {
    if (tags.length === 0) return [];
    return then(this.store.readMany(tags.map((tag) => this.keys.tag(tag))), (found) =>
      found === null ? null : tags.map((tag, i) => found[i] ?? ''),
    );
  }

  /**
   * The versions to record in an entry about to be stored: `recorded`, with a version created for
   * each tag that had none at `current()`. `null` (do not store) when such a tag got a version
   * meanwhile (it may have been an invalidation) or the store failed.
   */
  establish(
    tags: readonly string[],
    recorded: string[],
    lifetimeMs: number,
  ): MaybePromise<string[] | null> {
    const missing = tags.filter((_, i) => recorded[i] === '');
    if (missing.length === 0) return recorded;
    return then(this.store.readMany(missing.map((tag) => this.keys.tag(tag))), (found) => {
      if (found === null) return null;
      const created = missing.map((tag, i) => {
        const pending = this.creating.get(tag);
        if (pending !== undefined) return pending; // a computation here is creating it: share it
        if (found[i] === undefined) return this.create(tag, lifetimeMs);
        // Created meanwhile: by this process for another entry (fine), or by an invalidation.
        return this.createdHere.get(tag) === found[i] ? found[i]! : null;
      });
      return Promise.all(created).then((versions) => {
        if (!versions.every((v): v is string => typeof v === 'string')) return null;
        let next = 0;
        return recorded.map((version) => (version === '' ? versions[next++] : version));
      });
    });
  }

  /** The store keys of tags' versions. */
  storeKeys(tags: readonly string[]): string[] {
    return tags.map((tag) => this.keys.tag(tag));
  }

  /** True when every recorded version (under `storeKeys`, from `storeKeys()`) is still current. */
  valid(storeKeys: readonly string[], recorded: readonly string[]): MaybePromise<boolean> {
    if (storeKeys.length === 0) return true;
    return then(this.store.readMany(storeKeys), (found) => {
      if (found === null) return false;
      for (let i = 0; i < recorded.length; i++) if (found[i] !== recorded[i]) return false;
      return true;
    });
  }

  /**
   * Writes new versions; rejects when the store failed, so the caller knows. They expire after a
   * day: an expired version reads as missing, which matches no recorded version (a miss, never an
   * outdated hit), and the next entry stored with the tag creates a new one.
   */
  async invalidate(tags: readonly string[]): Promise<void> {
    for (const tag of tags) {
      this.creating.delete(tag);
      this.createdHere.delete(tag);
    }
    await Promise.all(
      tags.map((tag) =>
        this.store.writeOrThrow(this.keys.tag(tag), this.next(), INVALIDATED_VERSION_TTL_MS),
      ),
    );
  }

  /**
   * Writes a first version of `tag`, when an entry that carries it is stored. On a remote store two computations may both have read "none";
   * without sharing the pending write, the second would overwrite the first's version and the
   * first's entry would never be valid.
   */
  private create(tag: string, lifetimeMs: number): MaybePromise<string | null> {
    const pending = this.creating.get(tag);
    if (pending !== undefined) return pending;
    const version = this.next();
    // It lives as long as the entry that needs it; a version that expired reads as missing, which
    // never matches a recorded one, so an expiry costs a miss and never serves an outdated entry.
    const written = then(this.store.write(this.keys.tag(tag), version, lifetimeMs), (ok) => {
      if (!ok) return null;
      if (this.createdHere.size >= 10_000) this.createdHere.clear();
      this.createdHere.set(tag, version);
      return version;
    });
    if (!isThenable<string | null>(written)) return written;
    const shared = Promise.resolve(written);
    this.creating.set(tag, shared);
    const done = () => {
      if (this.creating.get(tag) === shared) this.creating.delete(tag);
    };
    shared.then(done, done);
    return shared;
  }

  private next(): string {
    this.sequence = (this.sequence + 1) % 1_000_000;
    return `${Date.now().toString(36)}.${this.sequence.toString(36)}.${randomBytes(4).toString('hex')}`;
  }
}
