import { GuardedStore } from './guarded-store';
import { StoreKeys } from './store-keys';

/** Buckets of entry lifetimes: 2^0 … 2^MAX_BUCKET seconds (about 34 years), then "forever". */
const MAX_BUCKET = 30;
const FOREVER = 'inf';

/**
 * How long an entry of this namespace may live, as every process sharing the store can learn it:
 * a tag version written by an invalidation must outlive every entry that recorded the version
 * before it, or those entries would come back when it expires.
 *
 * Each process marks the lifetime buckets it writes entries in (`<ns>:m:<bucket>`, a handful of
 * keys, each expiring with the longest entry of its bucket); an invalidation reads them all in one
 * `getMany`. Writes of entries create these marks; reads never do.
 */
export class Lifetimes {
  /** Longest lifetime known to this process (configured or written), ms. */
  private longest: number;
  /** When each bucket's mark was last written by this process (epoch ms). */
  private readonly marked = new Map<string, number>();

  constructor(
    private readonly store: GuardedStore,
    private readonly keys: StoreKeys,
    configured = 0,
  ) {
    this.longest = configured;
  }

  /** Notes a lifetime this app may write (a decorator's ttl and stale window), at bootstrap. */
  expect(lifetimeMs: number): void {
    if (lifetimeMs > this.longest) this.longest = lifetimeMs;
  }

  /** Notes an entry about to be written with `lifetimeMs`; marks its bucket in the store. */
  written(lifetimeMs: number): void {
    this.expect(lifetimeMs);
    const bucket = bucketOf(lifetimeMs);
    const span = spanOf(bucket);
    const now = Date.now();
    const last = this.marked.get(bucket);
    // A mark is renewed when half its span has gone by, so it always covers a new entry.
    if (last !== undefined && (span === Infinity || now - last < span / 2)) return;
    this.marked.set(bucket, now);
    void this.store.write(this.keys.meta(bucket), '1', span);
  }

  /** The longest lifetime of any entry that may be alive now, in any process (ms). */
  async longestAlive(): Promise<number> {
    const buckets = [...Array.from({ length: MAX_BUCKET + 1 }, (_, i) => String(i)), FOREVER];
    const found = await this.store.readMany(buckets.map((bucket) => this.keys.meta(bucket)));
    let longest = this.longest;
    if (found === null) return longest;
    for (let i = 0; i < buckets.length; i++) {
      if (found[i] !== undefined) longest = Math.max(longest, spanOf(buckets[i]));
    }
    return longest;
  }
}

function bucketOf(lifetimeMs: number): string {
  if (!Number.isFinite(lifetimeMs)) return FOREVER;
  const seconds = Math.max(1, Math.ceil(lifetimeMs / 1000));
  const bucket = Math.ceil(Math.log2(seconds));
  return bucket > MAX_BUCKET ? FOREVER : String(bucket);
}

function spanOf(bucket: string): number {
  return bucket === FOREVER ? Infinity : 2 ** Number(bucket) * 1000;
}
