import { Logger } from '@nestjs/common';
import { messages } from '../errors/cache.messages';
import { CacheEngine, Lookup } from './cache.engine';
import { FlightResult, Ticket } from './flight';
import { resultTtl, WarnOnce } from './result-ttl';
import { SourceCounter } from './source.counter';
import { reportStoreFailure } from './strict-scope';
import { CacheEntry } from './cache-entry';
import { LockedFlight } from './distributed-flight';
import { LockPolicy } from './lock-policy';
import { deserializeValue, UNDECODABLE } from './value.serializer';

/** What `store` learnt: `writeFailed` when the store refused the write (not a cancellation). */
interface StoreOutcome {
  writeFailed?: boolean;
}

/** Resolved options of one `wrap` (durations in ms). */
export interface WrapPolicy {
  ttl: number;
  tags: readonly string[];
  staleWhileRevalidate: number;
  staleIfError: number;
  /** Longest wait for a run of the same key in progress (single-flight deadline). */
  flightTimeout?: number;
  /**
   * The ttl as a function of the result (ms, `Infinity` or a duration string); what it answers
   * when that is not a duration leaves the value unstored, with one warning.
   */
  ttlOf?: (value: any) => unknown;
  /** Who the warnings name (`Class@method`); the key when absent. */
  where?: string;
  /** Hits return one deep-frozen value shared by all callers (`values: 'frozen'`). */
  frozen?: boolean;
  /** `true` for a result that must not be stored. */
  unless?: (value: unknown) => boolean | Promise<boolean>;
  /** The method's counters; `CacheService`'s when left out. */
  source?: SourceCounter;
  /** Distributed single-flight (one run across instances); `undefined` when off. */
  lock?: LockPolicy;
}

/**
 * Read-through caching of values (CacheService.wrap and `@Cached` provider methods): fresh hits,
 * stale-while-revalidate with one background refresh, stale-if-error, and single-flight misses.
 */
export class ValueCache {
  private readonly logger = new Logger('CacheModule');
  private readonly warned = new WarnOnce(this.logger);

  constructor(private readonly engine: CacheEngine) {}

  async wrap<T>(key: string, factory: () => T | Promise<T>, policy: WrapPolicy): Promise<T> {
    const found = await this.engine.lookup(key);
    return this.answer(key, found, factory, policy);
  }

  /** Answers from what `lookup` found, computing when needed. */
  answer<T>(
    key: string,
    found: Lookup,
    factory: () => T | Promise<T>,
    policy: WrapPolicy,
  ): Promise<T> {
    const source = policy.source ?? this.engine.service;
    if (found.state === 'fresh') {
      const value = this.engine.decodeValue<T>(key, found.entry, undefined, policy.frozen);
      if (value !== UNDECODABLE) {
        source.hit(key, found.entry.createdAt);
        return Promise.resolve(value);
      }
    } else if (found.state === 'stale') {
      if (found.staleForMs <= policy.staleWhileRevalidate) {
        const value = this.engine.decodeValue<T>(key, found.entry, undefined, policy.frozen);
        if (value !== UNDECODABLE) {
          source.stale(key, found.entry.createdAt);
          this.compute(key, factory, policy, true).promise.catch((error) =>
            this.logger.error(messages.backgroundRefreshFailed(key, error)),
          );
          return Promise.resolve(value);
        }
      } else if (found.staleForMs <= policy.staleIfError) {
        source.miss(key);
        return this.compute(key, factory, policy).promise.catch((error) => {
          const value = this.engine.decodeValue<T>(key, found.entry, undefined, policy.frozen);
          if (value === UNDECODABLE) throw error;
          this.logger.warn(messages.staleIfError(key, error));
          source.missServedStale(key, found.entry.createdAt);
          return value;
        });
      }
    }
    source.miss(key, found);
    return this.compute(key, factory, policy).promise;
  }

  /**
   * Runs the factory once for all concurrent callers of `key` (each waits at most
   * `policy.flightTimeout`); joiners get their own copy.
   */
  compute<T>(key: string, factory: () => T | Promise<T>, policy: WrapPolicy, stale = false) {
    const { leader, promise } = this.engine.flight<T>(
      key,
      policy.tags,
      async (ticket) => {
        let value: T;
        try {
          value = await factory();
        } catch (error) {
          (policy.source ?? this.engine.service).refused('error', key);
          throw error;
        }
        const result: FlightResult<T> & { writeFailed?: boolean } = { value };
        const outcome: StoreOutcome = {};
        result.payload = await this.store(ticket, key, value, policy, outcome);
        result.writeFailed = outcome.writeFailed;
        return result;
      },
      undefined,
      policy.flightTimeout,
      policy.lock && this.locked<T>(key, policy.lock, stale),
    );
    // A joiner is given a shared result only when it was stored, so it has a payload to copy.
    const value = promise.then((result: FlightResult<T> & { writeFailed?: boolean }) => {
      if (leader || result.own) return result.value;
      (policy.source ?? this.engine.service).joined();
      // A strict joiner must learn that the shared value was not stored (the leader's failure
      // was reported to the leader's call only).
      if (result.writeFailed) reportStoreFailure(new Error(messages.sharedWriteFailed(key)));
      return deserializeValue<T>(result.payload!);
    });
    return { leader, promise: value };
  }

  /** How a computation of `key` uses the distributed lock: another instance's entry is adopted. */
  private locked<T>(key: string, policy: LockPolicy, stale: boolean): LockedFlight<T> {
    const adopt = (entry: CacheEntry) => {
      const value = this.engine.decodeValue<T>(key, entry);
      return value === UNDECODABLE ? undefined : { value, payload: entry.payload };
    };
    return { policy, adopt, stale };
  }

  /**
   * Stores a computed value under its ticket, unless it is `undefined`, `unless` refuses it or it
   * cannot be serialized. Returns its stored form, or `undefined` when it was not storable.
   */
  async store(
    ticket: Ticket,
    key: string,
    value: unknown,
    policy: WrapPolicy,
    outcome: StoreOutcome = {},
  ) {
    const source = policy.source ?? this.engine.service;
    if (value === undefined) return void source.refused('unserializable', key);
    if (await policy.unless?.(value)) return void source.refused('unless', key);
    const ttl = policy.ttlOf
      ? resultTtl(policy.where ?? key, value, policy.ttlOf, this.warned)
      : policy.ttl;
    if (ttl === undefined) return void source.refused('unless', key);
    const payload = this.engine.serialize(key, value);
    if (payload === undefined) return void source.refused('unserializable', key);
    const stored = await this.engine.commit(ticket, payload, {
      source,
      ttl,
      staleWindow: Math.max(policy.staleWhileRevalidate, policy.staleIfError),
    });
    // The store failed the write, or could not tell the tag versions the value was computed under.
    outcome.writeFailed = !stored && (ticket.writeFailed === true || ticket.versions === null);
    return payload;
  }
}
