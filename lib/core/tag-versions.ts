import { randomBytes } from 'node:crypto';
import { MaybePromise } from '../stores/cache-store.interface';
import { isThenable, then } from '../utils/is-thenable';
import { GuardedStore } from './guarded-store';
import { StoreKeys } from './store-keys';

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

  constructor(
    private readonly store: GuardedStore,
    private readonly keys: StoreKeys,
  ) {}

  /** Current versions, creating those that do not exist yet; `null` when the store failed. */
  current(tags: readonly string[]): MaybePromise<string[] | null> {
    if (tags.length === 0) return [];
    return then(this.store.readMany(tags.map((tag) => this.keys.tag(tag))), (found) => {
      if (found === null) return null;
      const versions = tags.map((tag, i) => found[i] ?? this.create(tag));
      if (versions.every((v): v is string => typeof v === 'string')) return versions;
      return Promise.all(versions).then((all) =>
        all.every((v): v is string => typeof v === 'string') ? all : null,
      );
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

  /** Writes new versions; rejects when the store failed, so the caller knows. */
  async invalidate(tags: readonly string[]): Promise<void> {
    for (const tag of tags) this.creating.delete(tag);
    await Promise.all(
      tags.map((tag) => this.store.writeOrThrow(this.keys.tag(tag), this.next(), Infinity)),
    );
  }

  /**
   * Writes a first version of `tag`. On a remote store two computations may both have read "none";
   * without sharing the pending write, the second would overwrite the first's version and the
   * first's entry would never be valid.
   */
  private create(tag: string): MaybePromise<string | null> {
    const pending = this.creating.get(tag);
    if (pending !== undefined) return pending;
    const version = this.next();
    const written = then(this.store.write(this.keys.tag(tag), version, Infinity), (ok) =>
      ok ? version : null,
    );
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
