import { randomBytes } from 'node:crypto';
import { MaybePromise } from '../stores/cache-store.interface';
import { then } from '../utils/is-thenable';
import { GuardedStore } from './guarded-store';
import { Lifetimes } from './lifetimes';
import { StoreKeys } from './store-keys';

/** The version of a tag that has none in the store: never written, so reads create no key. */
export const INITIAL_VERSION = '0';

/** Added to a version's life, for clocks of processes sharing the store that disagree a little. */
export const CLOCK_MARGIN_MS = 5_000;

/**
 * Tag invalidation in O(1): each tag has a version; an entry records the versions it was computed
 * under and is valid only while they are all current. Invalidating a tag writes a new version, so
 * every process sharing the store sees it on its next read, with no scan of entries.
 *
 * A tag nobody invalidated has no key: its version is `INITIAL_VERSION`, and neither reads nor
 * computations write one, so clients asking for unknown ids cannot grow the store. A version
 * written by an invalidation expires: it lives at least as long as the longest entry alive that
 * may have recorded the version before it (see `Lifetimes`), and a version carries its own expiry,
 * so an entry computed under it is never kept longer than it (`expiry`). When it expires, entries
 * that recorded it are gone already, and the tag is back to `INITIAL_VERSION`.
 */
export class TagVersions {
  private sequence = 0;

  constructor(
    private readonly store: GuardedStore,
    private readonly keys: StoreKeys,
    private readonly lifetimes: Lifetimes,
  ) {}

  /** Current versions (`INITIAL_VERSION` where none); `null` when the store failed. */
  current(tags: readonly string[]): MaybePromise<string[] | null> {
    if (tags.length === 0) return [];
    return then(this.store.readMany(this.storeKeys(tags)), (found) =>
      found === null ? null : found.map((version) => version ?? INITIAL_VERSION),
    );
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
      for (let i = 0; i < recorded.length; i++) {
        if ((found[i] ?? INITIAL_VERSION) !== recorded[i]) return false;
      }
      return true;
    });
  }

  /** Epoch ms at which the first of `versions` expires; an entry under them must not outlive it. */
  expiry(versions: readonly string[]): number {
    let expiry = Infinity;
    for (const version of versions) expiry = Math.min(expiry, expiryOf(version));
    return expiry;
  }

  /**
   * Writes new versions; rejects when the store failed, so the caller knows. Each lives as long
   * as any entry that recorded the version before it may (see `Lifetimes`), checked again after
   * the write in case a writer marked a longer one meanwhile.
   */
  async invalidate(tags: readonly string[]): Promise<void> {
    const lives = await this.lifetimes.lives(tags);
    const versions = tags.map((_, i) => this.next(lives[i]));
    await this.write(tags, versions, lives);
    const after = await this.lifetimes.lives(tags);
    const longer = tags.map((_, i) => i).filter((i) => after[i] > lives[i]);
    if (longer.length > 0) {
      const pick = <T>(list: T[]) => longer.map((i) => list[i]);
      await this.write(pick([...tags]), pick(versions), pick(after));
    }
    this.lifetimes.forget(tags.filter((_, i) => Math.max(lives[i], after[i]) === Infinity));
  }

  private async write(tags: readonly string[], versions: string[], lives: number[]) {
    await Promise.all(
      tags.map((tag, i) =>
        this.store.writeOrThrow(this.keys.tag(tag), versions[i], lives[i] + CLOCK_MARGIN_MS),
      ),
    );
  }

  /** `<expiry>.<time>.<sequence>.<random>`, base 36; the expiry is `inf` for one that never expires. */
  private next(life: number): string {
    const expiry = Date.now() + life;
    this.sequence = (this.sequence + 1) % 1_000_000;
    const until = Number.isFinite(expiry) ? Math.floor(expiry).toString(36) : 'inf';
    const random = randomBytes(4).toString('hex');
    return `${until}.${Date.now().toString(36)}.${this.sequence.toString(36)}.${random}`;
  }
}

/** A version's expiry; `Infinity` for the initial version and versions of an older format. */
function expiryOf(version: string): number {
  if (version === INITIAL_VERSION) return Infinity;
  const parts = version.split('.');
  if (parts.length !== 4 || parts[0] === 'inf') return Infinity;
  const expiry = parseInt(parts[0], 36);
  return Number.isFinite(expiry) ? expiry : Infinity;
}
