import { Logger } from '@nestjs/common';
import { messages } from '../errors/cache.messages';
import { CacheEngine, Lookup } from './cache.engine';
import { FlightResult, Ticket } from './flight';
import { SourceCounter } from './source.counter';
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
  /** The method's counters; `CacheService`'s when left out. */
  source?: SourceCounter;
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
    const source = policy.source ?? this.engine.service;
    if (found.state === 'fresh') {
      const value = this.engine.decodeValue<T>(key, found.entry);
      if (value !== UNDECODABLE) {
        source.hit(key, found.entry.createdAt);
        return Promise.resolve(value);
      }
    } else if (found.state === 'stale') {
      if (found.staleForMs <= policy.staleWhileRevalidate) {
        const value = this.engine.decodeValue<T>(key, found.entry);
        if (value !== UNDECODABLE) {
          source.stale(key, found.entry.createdAt);
          this.compute(key, factory, policy).promise.catch((error) =>
            this.logger.error(messages.backgroundRefreshFailed(key, error)),
          );
          return Promise.resolve(value);
        }
      } else if (found.staleForMs <= policy.staleIfError) {
        source.miss(key);
        return this.compute(key, factory, policy).promise.catch((error) => {
          const value = this.engine.decodeValue<T>(key, found.entry);
          if (value === UNDECODABLE) throw error;
          this.logger.warn(messages.staleIfError(key, error));
          source.stale(key, found.entry.createdAt);
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
  compute<T>(key: string, factory: () => T | Promise<T>, policy: WrapPolicy) {
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
        const result: FlightResult<T> = { value };
        result.payload = await this.store(ticket, key, value, policy);
        return result;
      },
      undefined,
      policy.flightTimeout,
    );
    if (!leader) (policy.source ?? this.engine.service).joined();
    // A joiner is given a shared result only when it was stored, so it has a payload to copy.
    const value = promise.then((result) =>
      leader || result.own ? result.value : deserializeValue<T>(result.payload!),
    );
    return { leader, promise: value };
  }

  /**
   * Stores a computed value under its ticket, unless it is `undefined`, `unless` refuses it or it
   * cannot be serialized. Returns its stored form, or `undefined` when it was not storable.
   */
  async store(ticket: Ticket, key: string, value: unknown, policy: WrapPolicy) {
    const source = policy.source ?? this.engine.service;
    if (value === undefined) return void source.refused('unserializable', key);
    if (await policy.unless?.(value)) return void source.refused('unless', key);
    const payload = this.engine.serialize(key, value);
    if (payload === undefined) return void source.refused('unserializable', key);
    await this.engine.commit(ticket, payload, {
      source,
      ttl: policy.ttl,
      staleWindow: Math.max(policy.staleWhileRevalidate, policy.staleIfError),
    });
    return payload;
  }
}
