import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { messages } from '../errors/cache.messages';
import { NotStorableError } from '../errors/not-storable.error';
import { CacheStore, MaybePromise } from '../stores/cache-store.interface';
import { then } from '../utils/is-thenable';
import { CacheEntry, ResponseMeta } from './cache-entry';
import { encodeEntry, decodeEntry } from './entry.codec';
import { Flight, FlightResult, Ticket } from './flight';
import { GuardedStore } from './guarded-store';
import { StatsCounter } from './stats.counter';
import { StoreKeys } from './store-keys';
import { TagVersions } from './tag-versions';
import { serializeValue } from './value.serializer';

/** What a read found: nothing usable, a fresh entry, or one past its ttl but inside a stale window. */
export type Lookup =
  { state: 'miss' } | { state: 'fresh' | 'stale'; entry: CacheEntry; staleForMs: number };

/** How long an entry lives: `ttl`, then the larger stale window. */
export interface WriteOptions {
  ttl: number;
  staleWindow?: number;
  meta?: ResponseMeta;
}

const MISS: Lookup = { state: 'miss' };

/**
 * The cache core every entry point shares (HTTP interceptor, provider methods, CacheService):
 * reads that validate tag versions, writes guarded against invalidation races, single-flight
 * computations, and a store whose failures are contained (see `GuardedStore`).
 */
export class CacheEngine {
  readonly stats = new StatsCounter();
  readonly keys: StoreKeys;
  private readonly guarded: GuardedStore;
  private readonly tagVersions: TagVersions;
  private readonly flights = new Map<string, Flight<unknown>>();
  private readonly tickets = new Set<Ticket>();
  private readonly logger = new Logger('CacheModule');
  /**
   * Entries decoded lately, by their stored text: an in-process store hands back the very same
   * string on every hit, so a hit skips the header's JSON.parse. Bounded by count and bytes.
   */
  private readonly decoded = new LRUCache<string, CacheEntry>({
    max: 1_000,
    maxSize: 8 * 1024 * 1024,
    sizeCalculation: (_entry, raw) => raw.length * 2 + 1,
  });

  constructor(
    readonly store: CacheStore,
    namespace: string,
    storeTimeout: number,
  ) {
    this.keys = new StoreKeys(namespace);
    store.attach?.(namespace, { storeTimeout });
    this.guarded = new GuardedStore(store, storeTimeout, this.stats);
    this.tagVersions = new TagVersions(this.guarded, this.keys);
  }

  /**
   * Reads `key` (the `user`'s own entry when given); synchronous on an in-process store. Never
   * rejects: failures read as misses.
   */
  lookup(key: string, user?: string): MaybePromise<Lookup> {
    const raw = this.guarded.read(this.keys.entry(key, user));
    return then(raw, (found) => this.check(this.keys.fullKey(key, user), found));
  }

  private check(fullKey: string | undefined, raw: string | undefined): MaybePromise<Lookup> {
    if (raw === undefined) return MISS;
    let entry = this.decoded.get(raw);
    if (entry === undefined) {
      entry = decodeEntry(raw);
      if (entry !== undefined) this.decoded.set(raw, entry);
    }
    if (entry === undefined || entry.fullKey !== fullKey) return MISS;
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

  /** Starts a computation of `key`: records the tag versions it runs under. */
  begin(key: string, tags: readonly string[], user?: string): MaybePromise<Ticket> {
    const ticket: Ticket = {
      key,
      user,
      storeKey: this.keys.entry(key, user),
      tags,
      versions: null,
      cancelled: false,
    };
    this.tickets.add(ticket);
    return then(this.tagVersions.current(tags), (versions) => {
      ticket.versions = versions;
      return ticket;
    });
  }

  /**
   * Stores a computed value unless its ticket was cancelled meanwhile. Resolves `false` when it was
   * not stored (cancelled, or the store failed). Never rejects.
   */
  commit(ticket: Ticket, payload: string, options: WriteOptions): MaybePromise<boolean> {
    if (ticket.cancelled || ticket.versions === null) {
      this.tickets.delete(ticket);
      return false;
    }
    // Tags that had no version get one now, when an entry is stored (reads never create keys).
    const lifetime = options.ttl + (options.staleWindow ?? 0);
    return then(this.tagVersions.establish(ticket.tags, ticket.versions, lifetime), (versions) => {
      this.tickets.delete(ticket);
      if (versions === null || ticket.cancelled) return false;
      const now = Date.now();
      const freshUntil = now + options.ttl;
      const staleUntil = freshUntil + (options.staleWindow ?? 0);
      const entry: CacheEntry = {
        payload,
        createdAt: now,
        freshUntil,
        staleUntil,
        tags: ticket.tags as string[],
        tagVersions: versions,
        meta: options.meta,
        fullKey: this.keys.fullKey(ticket.key, ticket.user),
      };
      const written = this.guarded.write(ticket.storeKey, encodeEntry(entry), staleUntil - now);
      return then(written, (ok) => {
        if (ok) this.stats.sets++;
        return ok;
      });
    });
  }

  /** Forgets a ticket whose value will not be stored. */
  release(ticket: Ticket): void {
    this.tickets.delete(ticket);
  }

  /**
   * Joins the computation of `key` in progress, or starts one with `run`. Callers that join share
   * its outcome, rejection included; a delete or invalidation detaches it, so later callers start
   * afresh.
   */
  flight<T>(
    key: string,
    tags: readonly string[],
    run: (ticket: Ticket) => Promise<FlightResult<T>>,
    user?: string,
  ): { leader: boolean; promise: Promise<FlightResult<T>> } {
    const storeKey = this.keys.entry(key, user);
    const running = this.flights.get(storeKey) as Flight<T> | undefined;
    if (running !== undefined) {
      this.stats.coalesced++;
      return { leader: false, promise: running.promise };
    }
    let ticket!: Ticket;
    const promise = Promise.resolve(this.begin(key, tags, user)).then((started) => {
      ticket = started;
      return run(started);
    });
    const flight: Flight<T> = {
      get ticket() {
        return ticket;
      },
      promise,
    };
    this.flights.set(storeKey, flight as Flight<unknown>);
    const settle = () => {
      if (this.flights.get(storeKey) === flight) this.flights.delete(storeKey);
      if (ticket !== undefined) this.release(ticket);
    };
    promise.then(settle, settle);
    return { leader: true, promise };
  }

  /**
   * Serializes a value for storage; `undefined` (with one warning naming the key) when it holds
   * a function, a symbol or a cycle.
   */
  serialize(key: string, value: unknown): string | undefined {
    try {
      return serializeValue(value);
    } catch (error) {
      if (!(error instanceof NotStorableError)) throw error;
      this.logger.warn(messages.notStorable(key, error.reason));
      return undefined;
    }
  }

  /** Deletes entries; in-flight computations of them will not be stored. Rejects on store failure. */
  async delete(keys: readonly string[]): Promise<void> {
    const storeKeys = keys.map((key) => this.keys.entry(key));
    const doomed = new Set(storeKeys);
    this.cancel((ticket) => doomed.has(ticket.storeKey));
    await this.guarded.remove(storeKeys);
    this.stats.deletes += keys.length;
  }

  /** Cancels computations of `key` (a write of a newer value is under way). */
  supersede(key: string, user?: string): void {
    const storeKey = this.keys.entry(key, user);
    this.cancel((ticket) => ticket.storeKey === storeKey);
  }

  /** Invalidates every entry carrying one of `tags`, here and in every process sharing the store. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    const doomed = new Set(tags);
    this.cancel((ticket) => ticket.tags.some((tag) => doomed.has(tag)));
    await this.tagVersions.invalidate(tags);
  }

  /**
   * What `@CacheEvict` does with keys and tags, on methods and handlers alike: deletes the keys and
   * invalidates the tags together. Rejects when the store failed.
   */
  async evict(keys: readonly string[], tags: readonly string[]): Promise<void> {
    await Promise.all([
      keys.length > 0 ? this.delete(keys) : undefined,
      tags.length > 0 ? this.invalidateTags(tags) : undefined,
    ]);
  }

  /** Removes every entry and tag version of this namespace. */
  async clear(): Promise<void> {
    this.cancel(() => true);
    await this.guarded.clear(this.keys.prefix);
  }

  private cancel(matches: (ticket: Ticket) => boolean): void {
    for (const ticket of this.tickets) if (matches(ticket)) ticket.cancelled = true;
    for (const [storeKey, flight] of this.flights) {
      const ticket = flight.ticket;
      if (ticket === undefined ? true : matches(ticket)) this.flights.delete(storeKey);
    }
  }
}
