import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { errorText, messages } from '../errors/cache.messages';
import { NotStorableError } from '../errors/not-storable.error';
import { CacheStore, MaybePromise } from '../stores/cache-store.interface';
import { assertCanLock, storeCanClear } from '../stores/store-capabilities';
import { CacheEntry } from './cache-entry';
import { DistributedFlight, LockedFlight } from './distributed-flight';
import { EntryReader, Lookup } from './entry-reader';
import { FlightResult, Ticket } from './flight';
import { EntryWriter, WriteOptions } from './entry-writer';
import { Lifetimes } from './lifetimes';
import { SingleFlight } from './single-flight';
import { GuardedStore } from './guarded-store';
import { SourceCounter } from './source.counter';
import { StatsCounter } from './stats.counter';
import { EntryKey, StoreKeys } from './store-keys';
import { isThenable } from '../utils/is-thenable';
import { TagVersions } from './tag-versions';
import { operation, traced, tracing } from './operation-tracing';
import { serializeValue, UNDECODABLE } from './value.serializer';

export type { WriteOptions } from './entry-writer';

export type { Lookup } from './entry-reader';

export type { EntryKey } from './store-keys';

/** Engine-wide defaults taken from the module options. */
export interface EngineDefaults {
  /** Single-flight deadline (ms). @default 10_000 */
  flightTimeout?: number;
  /** The longest entry lifetime the configuration implies (ttl plus stale window, ms). */
  lifetime?: number;
  /** The module's `distributedLock`: the store must be able to lock. */
  distributedLock?: unknown;
}

/** Why a value could not be serialized, for the warning. */
export function notStorableReason(error: unknown): string {
  if (error instanceof NotStorableError) return error.reason;
  if (error instanceof RangeError) return 'nests too deeply to be walked';
  return `could not be read while it was serialized (${errorText(error)})`;
}

/**
 * The cache core every entry point shares (HTTP interceptor, provider methods, CacheService):
 * reads that validate tag versions, writes guarded against invalidation races, single-flight
 * computations, and a store whose failures are contained (see `GuardedStore`).
 */
export class CacheEngine {
  readonly stats = new StatsCounter();
  readonly keys: StoreKeys;
  /** Longest wait for a computation in progress, unless a caller says otherwise (ms). */
  readonly flightTimeout: number;
  /** The counter of `CacheService`'s own calls. */
  readonly service: SourceCounter;
  private readonly guarded: GuardedStore;
  private readonly lifetimes: Lifetimes;
  private readonly tagVersions: TagVersions;
  private readonly flights: SingleFlight;
  private readonly writer: EntryWriter;
  private readonly reader: EntryReader;
  /** Present when the store can lock across instances (`distributedLock`). */
  private readonly distributed?: DistributedFlight;
  private readonly logger = new Logger('CacheModule');
  private readonly warnedKeys = new LRUCache<string, true>({ max: 1_000, ttl: 60_000 });
  constructor(
    readonly store: CacheStore,
    readonly namespace: string,
    storeTimeout: number,
    defaults: EngineDefaults = {},
  ) {
    this.keys = new StoreKeys(namespace);
    this.service = this.stats.source('CacheService', 'service');
    store.attach?.(namespace, { storeTimeout });
    this.guarded = new GuardedStore(store, storeTimeout, this.stats);
    this.lifetimes = new Lifetimes(this.guarded, this.keys, defaults.lifetime);
    this.tagVersions = new TagVersions(this.guarded, this.keys, this.lifetimes);
    this.flightTimeout = defaults.flightTimeout ?? 10_000;
    this.writer = new EntryWriter(
      this.keys,
      this.guarded,
      this.tagVersions,
      this.lifetimes,
      this.stats,
    );
    this.flights = new SingleFlight(this, this.stats);
    this.reader = new EntryReader(this.keys, this.guarded, this.tagVersions);
    if (defaults.distributedLock !== undefined) assertCanLock(store, 'CacheModule');
    if (store.lock !== undefined) {
      this.distributed = new DistributedFlight(
        store.lock,
        (key, user) => this.reader.lookup(this.at(key, user)),
        this.stats,
        storeTimeout,
        (operation, error) => this.guarded.fault(operation, error),
      );
    }
  }

  /** True when the store can lock across instances (`distributedLock` works). */
  get canLock(): boolean {
    return this.distributed !== undefined;
  }

  /**
   * Notes that entries may be written with this lifetime (ttl plus stale window, ms), so tag
   * versions outlive them; explorers call it at bootstrap for each decorated method or route.
   */
  expectLifetime(lifetimeMs: number): void {
    this.lifetimes.expect(lifetimeMs);
  }

  /**
   * Reads `key` (the `user`'s own entry when given); synchronous on an in-process store. Never
   * rejects: failures and damaged entries read as misses.
   */
  lookup(key: string | EntryKey, user?: string): MaybePromise<Lookup> {
    const at = this.at(key, user);
    if (tracing()) {
      return traced(operation('lookup', this.namespace, at.key), () => this.read(at));
    }
    return this.read(at);
  }

  /**
   * An asynchronous read that misses while a computation of the key landed its value meanwhile
   * reads once more: without it, a request whose read started just before the write would run
   * the computation a second time (the flight it could have joined has ended).
   */
  private read(at: EntryKey): MaybePromise<Lookup> {
    const mark = this.flights.mark;
    const found = this.reader.lookup(at);
    if (!isThenable<Lookup>(found)) return found;
    this.flights.tracksLandings = true;
    return found.then((first) =>
      first.state === 'miss' && !first.failed && this.flights.landedSince(at.storeKey, mark)
        ? this.reader.lookup(at)
        : first,
    );
  }

  /**
   * Where `key` lives in the store, worked out once: flows that call several methods for one
   * request pass this instead of the key, so a long key is hashed once.
   */
  at(key: string | EntryKey, user?: string): EntryKey {
    return typeof key === 'string' ? this.keys.locate(key, user) : key;
  }

  /** `lookup` of several keys with one store read (`CacheService.getMany` / `wrapMany`). */
  lookupMany(keys: readonly string[], user?: string): MaybePromise<Lookup[]> {
    return this.reader.lookupMany(keys, user);
  }

  /**
   * The value of an entry `lookup` found, or `UNDECODABLE` when its payload does not decode (a
   * damaged or truncated value): the entry is then removed, counted in `stats().errors` and
   * logged once per burst, and the caller treats it as a miss. Never throws. Every flow (provider
   * methods, CacheService, HTTP) turns a found entry into a value through this.
   */
  decodeValue<T = unknown>(
    key: string | EntryKey,
    entry: CacheEntry,
    user?: string,
    frozen = false,
  ): T | typeof UNDECODABLE {
    return this.reader.decodeValue<T>(this.at(key, user), entry, frozen);
  }

  /** Starts a computation of `key`: records the tag versions it runs under. */
  begin(key: string | EntryKey, tags: readonly string[], user?: string): MaybePromise<Ticket> {
    return this.writer.begin(this.at(key, user), tags);
  }

  /**
   * Stores a computed value unless its ticket was cancelled meanwhile. Resolves `false` when it was
   * not stored (cancelled, or the store failed). Never rejects.
   */
  commit(ticket: Ticket, payload: string, options: WriteOptions): MaybePromise<boolean> {
    if (tracing()) {
      const write = () => this.writer.commit(ticket, payload, options);
      return traced(operation('store', this.namespace, ticket.key), write);
    }
    return this.writer.commit(ticket, payload, options);
  }

  /** Forgets a ticket whose value will not be stored (one being written stays until it lands). */
  release(ticket: Ticket): void {
    this.writer.release(ticket);
  }

  /**
   * Joins the computation of `key` in progress, or starts one with `run`. Callers that join share
   * its outcome, rejection included; a delete or invalidation detaches it, so later callers start
   * afresh. A joiner waits at most `flightTimeout` (ms, default the module's), then runs `run`
   * itself; a computation older than that takes no new joiners; a joiner of a computation whose
   * result was not storable (no `payload`) runs its own. Results a joiner ran itself carry `own`.
   */
  /** True while a computation of `key` runs that a new caller would join. */
  computing(
    key: string | EntryKey,
    user?: string,
    flightTimeout: number = this.flightTimeout,
  ): boolean {
    return this.flights.joinable(this.at(key, user).storeKey, flightTimeout);
  }

  /** With `locked`, one computation of `key` across every instance (see `DistributedFlight`). */
  flight<T>(
    key: string | EntryKey,
    tags: readonly string[],
    run: (ticket: Ticket) => Promise<FlightResult<T>>,
    user?: string,
    flightTimeout: number = this.flightTimeout,
    locked?: LockedFlight<T>,
  ): { leader: boolean; promise: Promise<FlightResult<T>> } {
    const at = this.at(key, user);
    const compute = tracing() ? (ticket: Ticket) => this.tracedCompute(at.key, ticket, run) : run;
    if (locked === undefined || this.distributed === undefined) {
      return this.flights.run(at.storeKey, at, tags, compute, at.user, flightTimeout);
    }
    // One computation across every instance sharing the store (distributedLock). A joiner that
    // runs its own (the leader outlasted flightTimeout, or its result was not storable) does so
    // without the lock, as it would without distributedLock; a stale refresh never computes
    // while another instance holds the lock.
    const guarded = this.distributed.guard(
      at.storeKey,
      at.key,
      at.user,
      compute,
      locked,
      flightTimeout,
    );
    let joined = false;
    const flight = this.flights.run(
      at.storeKey,
      at,
      tags,
      (ticket) => (joined && !locked.stale ? compute(ticket) : guarded(ticket)),
      at.user,
      flightTimeout,
    );
    joined = !flight.leader;
    return flight;
  }

  /** `run` traced as `compute`; a result carrying a `failure` ends on the `error` channel. */
  private tracedCompute<T>(
    key: string,
    ticket: Ticket,
    run: (ticket: Ticket) => Promise<FlightResult<T>>,
  ): Promise<FlightResult<T>> {
    let result: FlightResult<T> | undefined;
    const traceable = () =>
      run(ticket).then((outcome) => {
        result = outcome;
        if (outcome.failure !== undefined) throw outcome.failure.error;
        return outcome;
      });
    return (
      traced(operation('compute', this.namespace, key), traceable) as Promise<FlightResult<T>>
    ).catch((error: unknown) => {
      if (result !== undefined) return result;
      throw error;
    });
  }

  /**
   * Serializes a value for storage; `undefined` (with one warning naming the key) when it cannot
   * be: it holds a function, a symbol or a cycle, a getter or `toJSON` throws while it is walked
   * (an ORM relation not loaded), or it nests deeper than the stack. Never throws: a value that
   * cannot be stored costs the cache, never the caller.
   */
  serialize(key: string, value: unknown): string | undefined {
    try {
      return serializeValue(value);
    } catch (error) {
      // One warning per key and minute: a hot method returning such values must not flood logs.
      if (!this.warnedKeys.has(key)) {
        this.warnedKeys.set(key, true);
        this.logger.warn(messages.notStorable(key, notStorableReason(error)));
      }
      return undefined;
    }
  }

  /**
   * Deletes entries (the `user`'s own entries when given); in-flight computations of them will not
   * be stored, and a write of one that is under way is waited for and deleted again. Rejects on
   * store failure.
   */
  async delete(keys: readonly string[], user?: string): Promise<void> {
    const remove = () => this.remove(keys, user);
    if (tracing()) return traced(operation('invalidate', this.namespace, keys, 'key'), remove);
    return remove();
  }

  private async remove(keys: readonly string[], user?: string): Promise<void> {
    const storeKeys = keys.map((key) => this.keys.entry(key, user));
    const doomed = new Set(storeKeys);
    const writing = this.cancel((ticket) => doomed.has(ticket.storeKey), true);
    await this.guarded.remove(storeKeys);
    if (writing.length > 0) {
      await Promise.all(writing);
      await this.guarded.remove(storeKeys);
    }
    this.stats.deletes += keys.length;
    this.stats.invalidated('key', keys);
  }

  /**
   * Cancels computations of `key` (a write of a newer value is under way). An older value still
   * being written is removed once it lands, so it can never overwrite the newer one.
   */
  supersede(key: string | EntryKey, user?: string): void {
    const storeKey = this.at(key, user).storeKey;
    this.cancel((ticket) => ticket.storeKey === storeKey, true);
  }

  /** Invalidates every entry carrying one of `tags`, here and in every process sharing the store. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    const doomed = new Set(tags);
    this.cancel((ticket) => ticket.tags.some((tag) => doomed.has(tag)), false);
    const invalidate = () => this.tagVersions.invalidate(tags);
    await (tracing()
      ? traced(operation('invalidate', this.namespace, tags, 'tag'), invalidate)
      : invalidate());
    this.stats.invalidated('tag', tags);
  }

  /**
   * What `@CacheEvict` does with keys and tags, on methods and handlers alike: deletes the keys and
   * invalidates the tags together. Rejects when the store failed.
   */
  async evict(keys: readonly string[], tags: readonly string[], user?: string): Promise<void> {
    await Promise.all([
      keys.length > 0 ? this.delete(keys, user) : undefined,
      tags.length > 0 ? this.invalidateTags(tags) : undefined,
    ]);
  }

  /** True when the store can remove one namespace (`clear()`, `@CacheEvict({ all: true })`). */
  get canClear(): boolean {
    return storeCanClear(this.store);
  }

  /** Removes every entry and tag version of this namespace; writes under way are removed too. */
  async clear(): Promise<void> {
    const clear = () => this.clearAll();
    if (tracing()) return traced(operation('invalidate', this.namespace, [], 'clear'), clear);
    return clear();
  }

  private async clearAll(): Promise<void> {
    const writing = this.cancel(() => true, true);
    const late = this.writer.writing();
    await this.guarded.clear(this.keys.prefix);
    this.lifetimes.reset();
    if (writing.length > 0) {
      await Promise.all(writing);
      await this.guarded.remove(late);
    }
    this.stats.invalidated('clear', []);
  }

  /** Cancels matching computations and detaches their flights; see `EntryWriter.cancel`. */
  private cancel(matches: (ticket: Ticket) => boolean, erase: boolean): Promise<unknown>[] {
    const writing = this.writer.cancel(matches, erase);
    this.flights.detach(matches);
    return writing;
  }
}
