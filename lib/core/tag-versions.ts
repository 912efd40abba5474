import { randomBytes } from 'node:crypto';
import { MaybePromise } from '../stores/cache-store.interface';
import { then } from '../utils/is-thenable';
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

  constructor(
    private readonly store: GuardedStore,
    private readonly keys: StoreKeys,
  ) {}

  /** Current versions, creating those that do not exist yet; `null` when the store failed. */
  current(tags: readonly string[]): MaybePromise<string[] | null> {
    if (tags.length === 0) return [];
    return then(this.store.readMany(tags.map((tag) => this.keys.tag(tag))), (found) => {
      if (found === null) return null;
      const versions: string[] = [];
      const writes: MaybePromise<boolean>[] = [];
      for (let i = 0; i < tags.length; i++) {
        let version = found[i];
        if (version === undefined) {
          version = this.next();
          writes.push(this.store.write(this.keys.tag(tags[i]), version, Infinity));
        }
        versions.push(version);
      }
      return writes.length === 0 ? versions : all(writes, (ok) => (ok ? versions : null));
    });
  }

  /** True when every recorded version is still current. */
  valid(tags: readonly string[], recorded: readonly string[]): MaybePromise<boolean> {
    if (tags.length === 0) return true;
    return then(this.store.readMany(tags.map((tag) => this.keys.tag(tag))), (found) => {
      if (found === null) return false;
      for (let i = 0; i < recorded.length; i++) if (found[i] !== recorded[i]) return false;
      return true;
    });
  }

  /** Writes new versions; rejects when the store failed, so the caller knows. */
  async invalidate(tags: readonly string[]): Promise<void> {
    await Promise.all(
      tags.map((tag) => this.store.writeOrThrow(this.keys.tag(tag), this.next(), Infinity)),
    );
  }

  private next(): string {
    this.sequence = (this.sequence + 1) % 1_000_000;
    return `${Date.now().toString(36)}.${this.sequence.toString(36)}.${randomBytes(4).toString('hex')}`;
  }
}

function all(writes: MaybePromise<boolean>[], done: (ok: boolean) => string[] | null) {
  if (writes.every((w) => typeof w === 'boolean')) return done(writes.every(Boolean));
  return Promise.all(writes).then((results) => done(results.every(Boolean)));
}
