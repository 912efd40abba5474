import { MemoryStore } from '../stores/memory.store';

/** Keys remembered as "changed while a read was in flight"; past this, every such read is void. */
const MAX_TOUCHED = 10_000;

/**
 * The in-process tier in front of Redis: a bounded LRU (the memory store) that never takes a value
 * which may already be outdated. Every change (a local write, a bus message, a resync) bumps a
 * sequence number; a value read from Redis, or written, is kept only if nothing changed its key
 * since the call started, so a reply that raced with an invalidation cannot resurrect old data.
 */
export class CoherentL1 {
  private sequence = 0;
  private clearedAt = 0;
  private readonly touched = new Map<string, number>();
  private inFlight = 0;

  constructor(private readonly memory: MemoryStore) {}

  get(key: string): string | undefined {
    return this.memory.get(key);
  }

  /** Marks the start of a Redis call whose results may fill L1; pass the result to `fill`/`end`. */
  begin(): number {
    this.inFlight++;
    return this.sequence;
  }

  end(): void {
    if (--this.inFlight === 0) this.touched.clear();
  }

  /** Keeps `value` unless `key` changed since `since` (from `begin`); `ttlMs` may be `Infinity`. */
  fill(key: string, value: string, ttlMs: number, since: number): void {
    if (this.clearedAt > since || (this.touched.get(key) ?? 0) > since) return;
    if (!(ttlMs > 0)) return;
    this.memory.set(key, value, ttlMs);
  }

  /** Forgets `keys`, and voids in-flight reads of them. */
  drop(keys: Iterable<string>): void {
    this.sequence++;
    for (const key of keys) {
      this.memory.delete([key]);
      if (this.inFlight > 0) this.touched.set(key, this.sequence);
    }
    if (this.touched.size > MAX_TOUCHED) {
      this.touched.clear();
      this.clearedAt = this.sequence;
    }
  }

  /** Forgets every key starting with `prefix` (`''`: everything), and voids every in-flight read. */
  flush(prefix: string): void {
    this.sequence++;
    this.clearedAt = this.sequence;
    this.touched.clear();
    this.memory.clear(prefix);
  }

  get size(): number {
    return this.memory.size;
  }
}
