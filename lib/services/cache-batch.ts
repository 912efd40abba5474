import { Logger } from '@nestjs/common';
import { CacheEngine, notStorableReason } from '../core/cache.engine';
import { Ticket } from '../core/flight';
import { parseOptionalTtl, Ttl } from '../core/ttl';
import { serializeValue, UNDECODABLE } from '../core/value.serializer';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { errorText, messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';

/** A duration, or one worked out from the value being stored (e.g. until a record's expiry). */
export type BatchTtl<T> = Ttl | ((value: T) => Ttl);

/** Options of `CacheService.setMany` and `wrapMany`. */
export interface CacheBatchOptions<T = unknown> {
  /** @default the module's ttl */
  ttl?: BatchTtl<T>;
  /** Tags carried by every entry written. */
  tags?: string[];
}

/**
 * Batch reads and writes, made for DataLoader batch functions: one store read for all keys; the
 * missing ids loaded with one call, in input order; every missing value written in one round.
 */
export class CacheBatch {
  private readonly logger = new Logger('CacheModule');
  private warnedTtl = false;

  constructor(
    private readonly engine: CacheEngine,
    private readonly options: ResolvedCacheOptions,
  ) {}

  /** The fresh values under `keys` (one store read), `undefined` where there is none. */
  async getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    const found = await this.engine.lookupMany(keys);
    return found.map((lookup, i) => {
      const value =
        lookup.state === 'fresh' ? this.engine.decodeValue<T>(keys[i], lookup.entry) : UNDECODABLE;
      if (value === UNDECODABLE) {
        this.engine.stats.misses++;
        return undefined;
      }
      this.engine.stats.hits++;
      return value;
    });
  }

  /** Stores every entry (`undefined` values are skipped). Rejects like `set` on bad input. */
  async setMany<T>(
    entries: readonly { key: string; value: T }[],
    options: CacheBatchOptions<T> = {},
  ): Promise<void> {
    if (typeof options.ttl !== 'function') this.ttlOf(options.ttl, undefined, true);
    const ttls = new Map<string, number>();
    const prepared = entries
      .filter((entry) => {
        const ttl =
          entry.value === undefined ? undefined : this.ttlOf(options.ttl, entry.value, false);
        if (ttl !== undefined) ttls.set(entry.key, ttl);
        return ttl !== undefined;
      })
      .map((entry) => ({ ...entry, payload: payloadOf(entry.key, entry.value) }));
    for (const entry of prepared) this.engine.supersede(entry.key);
    const tickets = await Promise.all(
      prepared.map((entry) => this.engine.begin(entry.key, options.tags ?? [])),
    );
    await Promise.all(
      prepared.map((entry, i) =>
        this.engine.commit(tickets[i], entry.payload, { ttl: ttls.get(entry.key)! }),
      ),
    );
  }

  /**
   * The cached value of each id, loading the missing ones with one `load(missing)` call (ids in
   * input order, each once); `load` must return one value per id, in that order. Values are
   * written back in one round; `undefined` is returned but not stored.
   */
  async wrapMany<K, T>(
    ids: readonly K[],
    keyOf: (id: K) => string,
    load: (missing: K[]) => Promise<T[]> | T[],
    options: CacheBatchOptions<T> = {},
  ): Promise<T[]> {
    if (typeof options.ttl !== 'function') this.ttlOf(options.ttl, undefined, true);
    const keys = ids.map((id) => String(keyOf(id)));
    const cached = await this.getMany<T>(keys);
    const missing = new Map<string, K>();
    keys.forEach((key, i) => {
      if (cached[i] === undefined && !missing.has(key)) missing.set(key, ids[i]);
    });
    if (missing.size === 0) return cached as T[];
    const tags = options.tags ?? [];
    // Tickets are taken before loading, so an invalidation during the load is never overwritten.
    const tickets = await Promise.all(
      [...missing.keys()].map((key) => this.engine.begin(key, tags)),
    );
    let loaded: T[];
    try {
      loaded = await load([...missing.values()]);
      if (!Array.isArray(loaded) || loaded.length !== missing.size) {
        const got = Array.isArray(loaded) ? `${loaded.length} values` : typeof loaded;
        throw new CacheConfigError(
          messages.batchLength(missing.size, got),
          CacheErrorCode.BatchLength,
        );
      }
    } catch (error) {
      for (const ticket of tickets) this.engine.release(ticket);
      throw error;
    }
    const byKey = new Map<string, T>();
    [...missing.keys()].forEach((key, i) => byKey.set(key, loaded[i]));
    await Promise.all(tickets.map((ticket, i) => this.write(ticket, loaded[i], options)));
    return keys.map((key, i) => (cached[i] !== undefined ? cached[i] : byKey.get(key)) as T);
  }

  /** Writes one loaded value; one that cannot be stored is returned anyway (with a warning). */
  private async write<T>(ticket: Ticket, value: T, options: CacheBatchOptions<T>): Promise<void> {
    try {
      const ttl = value === undefined ? undefined : this.ttlOf(options.ttl, value, false);
      const payload = ttl === undefined ? undefined : this.engine.serialize(ticket.key, value);
      if (payload !== undefined) await this.engine.commit(ticket, payload, { ttl: ttl! });
    } finally {
      this.engine.release(ticket);
    }
  }

  /**
   * A ttl (or one computed from the value); `strict` rejects a bad one, else a bad one (a ttl
   * function's answer) means "do not store", with one warning.
   */
  private ttlOf<T>(ttl: BatchTtl<T> | undefined, value: T, strict: boolean): number | undefined {
    try {
      const given = typeof ttl === 'function' ? ttl(value) : ttl;
      return parseOptionalTtl(given, 'CacheService ttl') ?? this.options.ttl;
    } catch (error) {
      if (strict) throw error;
      if (!this.warnedTtl) {
        this.warnedTtl = true;
        this.logger.warn(`CacheService: ${errorText(error)}; the value is not stored`);
      }
      return undefined;
    }
  }
}

function payloadOf(key: string, value: unknown): string {
  try {
    return serializeValue(value);
  } catch (error) {
    throw new CacheConfigError(
      messages.notStorable(key, notStorableReason(error)),
      CacheErrorCode.NotStorable,
    );
  }
}
