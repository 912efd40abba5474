import { MaybePromise } from '../stores/cache-store.interface';
import { GuardedStore } from './guarded-store';
import { StoreKeys } from './store-keys';

/** Buckets of finite entry lifetimes: 2^0 … 2^MAX_BUCKET seconds (about 34 years). */
const MAX_BUCKET = 30;
const BUCKETS = Array.from({ length: MAX_BUCKET + 1 }, (_, i) => i);
/** A mark this process wrote is written again after this long (restores it after a clear). */
const REMARK_MS = 60_000;

/**
 * How long entries that recorded a tag's initial (absent) version may live, as every process
 * sharing the store can learn it: the version an invalidation writes must outlive them, or they
 * would come back when it expires.
 *
 * - Finite lifetimes: a process writing such an entry marks its lifetime's bucket
 *   (`<ns>:m:<bucket>`, at most 31 keys, each expiring with its bucket's span); an invalidation
 *   gives the new version the longest span marked, or configured here.
 * - `ttl: Infinity`: the entry marks each of its tags (`<ns>:m:i:<tag>`); an invalidation of a
 *   marked tag writes a version that never expires, then drops the mark.
 *
 * Both sides check the other after their write (the writer re-reads the tag versions after its
 * mark, the invalidation re-reads the marks after its versions), so a concurrent pair can never
 * both miss each other. Entry writes create these marks; reads never do.
 */
export class Lifetimes {
  /** Longest finite lifetime configured or written in this process (ms). */
  private longest: number;
  /** When this process last wrote each bucket's mark. */
  private readonly marked = new Map<number, number>();

  constructor(
    private readonly store: GuardedStore,
    private readonly keys: StoreKeys,
    configured = 0,
  ) {
    this.longest = Number.isFinite(configured) ? configured : 0;
  }

  /** Notes a finite lifetime this app may write (a decorator's ttl and stale window). */
  expect(lifetimeMs: number): void {
    if (Number.isFinite(lifetimeMs) && lifetimeMs > this.longest) this.longest = lifetimeMs;
  }

  /**
   * Marks an entry about to be written with `lifetimeMs` that recorded the initial version of
   * `initialTags`. Resolves `true` when marks were written, so the caller must re-read those
   * versions before it writes the entry; `false` when nothing new was marked.
   */
  mark(lifetimeMs: number, initialTags: readonly string[]): MaybePromise<boolean> {
    if (!Number.isFinite(lifetimeMs)) {
      const writes = initialTags.map((tag) =>
        this.store.write(this.keys.meta(`i:${tag}`), '1', Infinity),
      );
      return Promise.all(writes).then(() => true);
    }
    this.expect(lifetimeMs);
    const bucket = bucketOf(lifetimeMs);
    const now = Date.now();
    const last = this.marked.get(bucket);
    if (last !== undefined && now - last < Math.min(REMARK_MS, spanOf(bucket) / 2)) return false;
    this.marked.set(bucket, now);
    const written = this.store.write(this.keys.meta(String(bucket)), '1', spanOf(bucket));
    return written instanceof Promise ? written.then(() => true) : true;
  }

  /** For each tag, how long a new version must live (ms; `Infinity` for a marked tag). */
  async lives(tags: readonly string[]): Promise<number[]> {
    const bucketKeys = BUCKETS.map((bucket) => this.keys.meta(String(bucket)));
    const tagKeys = tags.map((tag) => this.keys.meta(`i:${tag}`));
    const found = await this.store.readMany([...bucketKeys, ...tagKeys]);
    let longest = this.longest;
    if (found === null) return tags.map(() => longest);
    BUCKETS.forEach((bucket, i) => {
      if (found[i] !== undefined) longest = Math.max(longest, spanOf(bucket));
    });
    return tags.map((_, i) => (found[BUCKETS.length + i] !== undefined ? Infinity : longest));
  }

  /** Forgets which marks this process wrote (a clear removed them): the next write marks again. */
  reset(): void {
    this.marked.clear();
  }

  /** Drops the marks of tags whose version now never expires. */
  forget(tags: readonly string[]): void {
    if (tags.length > 0) this.store.discard(tags.map((tag) => this.keys.meta(`i:${tag}`)));
  }
}

function bucketOf(lifetimeMs: number): number {
  const seconds = Math.max(1, Math.ceil(lifetimeMs / 1000));
  return Math.min(MAX_BUCKET, Math.ceil(Math.log2(seconds)));
}

function spanOf(bucket: number): number {
  return 2 ** bucket * 1000;
}
