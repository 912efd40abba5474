import { Logger } from '@nestjs/common';
import { messages } from '../errors/cache.messages';
import { CacheEngine, Lookup } from './cache.engine';
import { FlightResult, Ticket } from './flight';
import { CacheEntry } from './cache-entry';
import { LockedFlight } from './distributed-flight';
import { LockPolicy } from './lock-policy';
import { deserializeValue, UNDECODABLE } from './value.serializer';

/** Resolved options of one `wrap` (durations in ms). */
export interface WrapPolicy {
  ttl: number;
  tags: readonly string[];
  staleWhileRevalidate: number;
  staleIfError: number;
  /** Longest wait for a run of the same key in progress (single-flight deadline). */
  flightTimeout?: number;
  /** `true` for a result that must not be stored. */
  unless?: (value: unknown) => boolean | Promise<boolean>;
  /** Distributed single-flight (one run across instances); `undefined` when off. */
  lock?: LockPolicy;
}

/**
 * Read-through caching of values (CacheService.wrap and `@Cached` provider methods): fresh hits,
 * stale-while-revalidate with one background refresh, stale-if-error, and single-flight misses.
 */
export class ValueCache {
  private readonly logger = new Logger('CacheModule');

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
    const { stats } = this.engine;
    if (found.state === 'fresh') {
      const value = this.engine.decodeValue<T>(key, found.entry);
      if (value !== UNDECODABLE) {
        stats.hits++;
        return Promise.resolve(value);
      }
    } else if (found.state === 'stale') {
      if (found.staleForMs <= policy.staleWhileRevalidate) {
        const value = this.engine.decodeValue<T>(key, found.entry);
        if (value !== UNDECODABLE) {
          stats.staleHits++;
          this.compute(key, factory, policy, true).promise.catch((error) =>
            this.logger.error(messages.backgroundRefreshFailed(key, error)),
          );
          return Promise.resolve(value);
        }
      } else if (found.staleForMs <= policy.staleIfError) {
        stats.misses++;
        return this.compute(key, factory, policy).promise.catch((error) => {
          const value = this.engine.decodeValue<T>(key, found.entry);
          if (value === UNDECODABLE) throw error;
          this.logger.warn(messages.staleIfError(key, error));
          stats.staleHits++;
          return value;
        });
      }
    }
    stats.misses++;
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
        const value = await factory();
        const result: FlightResult<T> = { value };
        result.payload = await this.store(ticket, key, value, policy);
        return result;
      },
      undefined,
      policy.flightTimeout,
      policy.lock && this.locked<T>(key, policy.lock, stale),
    );
    // A joiner is given a shared result only when it was stored, so it has a payload to copy.
    const value = promise.then((result) =>
      leader || result.own ? result.value : deserializeValue<T>(result.payload!),
    );
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
  async store(ticket: Ticket, key: string, value: unknown, policy: WrapPolicy) {
    if (value === undefined || (await policy.unless?.(value))) return undefined;
    const payload = this.engine.serialize(key, value);
    if (payload === undefined) return undefined;
    await this.engine.commit(ticket, payload, {
      ttl: policy.ttl,
      staleWindow: Math.max(policy.staleWhileRevalidate, policy.staleIfError),
    });
    return payload;
  }
}
