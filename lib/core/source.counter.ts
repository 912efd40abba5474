import type { Lookup } from './entry-reader';
import type { StatsCounter } from './stats.counter';

/** What a cached source is: the kind of handler or method its counters belong to. */
export type SourceKind = 'http' | 'method' | 'graphql' | 'rpc' | 'ws' | 'service';

/**
 * Why a computed response or value was not stored. Reasons found elsewhere map onto this set (see
 * `notStoredReason` in `lib/http/response-policy.ts`): a response `no-cache`, `max-age=0`,
 * `s-maxage=0`, `Surrogate-Control: no-store` and a request `no-store` count as `no_store`, an
 * invalid ttl result as `unless`, SSE as `stream`.
 */
export type NotStoredReason =
  | 'status'
  | 'error'
  | 'cookie'
  | 'no_store'
  | 'private'
  | 'vary'
  | 'stream'
  | 'unless'
  | 'unserializable';

export const NOT_STORED_REASONS: readonly NotStoredReason[] = [
  'status',
  'error',
  'cookie',
  'no_store',
  'private',
  'vary',
  'stream',
  'unless',
  'unserializable',
];

/** Lookup results, as the metrics and events name them. */
export type LookupResult = 'hit' | 'stale' | 'miss' | 'bypass';

/**
 * The counters of one cached source (a decorated handler, method or resolver, or `CacheService`),
 * allocated once at bootstrap and carried in its plan, so a request bumps plain fields with no map
 * lookup. Lookups (`hit`, `stale`, `miss`, `bypass`) also bump the cache-wide totals; writes,
 * joins and store errors are counted in the totals by the core, and here per source. Each call
 * tells the observer (events) only when one is configured: with none, it is field increments.
 */
export class SourceCounter {
  hits = 0;
  misses = 0;
  staleHits = 0;
  bypasses = 0;
  coalesced = 0;
  sets = 0;
  errors = 0;
  readonly notStored: Record<NotStoredReason, number> = {
    status: 0,
    error: 0,
    cookie: 0,
    no_store: 0,
    private: 0,
    vary: 0,
    stream: 0,
    unless: 0,
    unserializable: 0,
  };

  constructor(
    /** The implicit tag: `Controller.handler`, `Class.method`, `Type.field`. */
    readonly source: string,
    readonly kind: SourceKind,
    private readonly total: StatsCounter,
  ) {}

  /** A fresh entry was served; `createdAt`: when it was written (epoch ms). */
  hit(key?: string, createdAt?: number): void {
    this.hits++;
    this.total.hits++;
    if (this.total.observer !== undefined) this.total.observer.lookup(this, 'hit', key, createdAt);
  }

  /** A stale entry was served (stale-while-revalidate or stale-if-error). */
  stale(key?: string, createdAt?: number): void {
    this.staleHits++;
    this.total.staleHits++;
    if (this.total.observer !== undefined) {
      this.total.observer.lookup(this, 'stale', key, createdAt);
    }
  }

  /** Nothing usable was found: the handler or method runs. `found` tells a failed read. */
  miss(key?: string, found?: Lookup): void {
    this.misses++;
    this.total.misses++;
    if (found !== undefined && found.state === 'miss' && found.failed) this.errors++;
    if (this.total.observer !== undefined) this.total.observer.lookup(this, 'miss', key);
  }

  /**
   * A miss whose computation failed was answered from a stale entry (`staleIfError`): the lookup
   * counted as a miss counts as a stale hit instead, so each call is one lookup.
   */
  missServedStale(key?: string, createdAt?: number): void {
    this.misses--;
    this.total.misses--;
    this.stale(key, createdAt);
  }

  /** The cache was skipped (condition, privacy, key callback). */
  bypass(key?: string): void {
    this.bypasses++;
    this.total.bypasses++;
    if (this.total.observer !== undefined) this.total.observer.lookup(this, 'bypass', key);
  }

  /** A caller shared another caller's computation (the total is counted by single-flight). */
  joined(): void {
    this.coalesced++;
  }

  /** An entry of this source was written (the total is counted by the writer). */
  stored(key?: string): void {
    this.sets++;
    if (this.total.observer !== undefined) this.total.observer.stored(this, key);
  }

  /** A computed response or value was not stored, and why. */
  refused(reason: NotStoredReason, key?: string): void {
    this.notStored[reason]++;
    if (this.total.observer !== undefined) this.total.observer.notStored(this, reason, key);
  }

  /** A store call made for this source failed (the total is counted by the guarded store). */
  failed(): void {
    this.errors++;
  }

  /** The figures `stats({ bySource: true })` reports. */
  snapshot(): SourceStats {
    const { kind, hits, misses, staleHits, bypasses, coalesced, sets, errors } = this;
    const notStored = { ...this.notStored };
    return { kind, hits, misses, staleHits, bypasses, coalesced, sets, errors, notStored };
  }
}

/** One source's counters, in `stats({ bySource: true }).sources`. */
export interface SourceStats {
  kind: SourceKind;
  hits: number;
  misses: number;
  staleHits: number;
  bypasses: number;
  coalesced: number;
  sets: number;
  errors: number;
  /** Responses or values computed but not stored, by reason. */
  notStored: Record<NotStoredReason, number>;
}
