import { Logger } from '@nestjs/common';
import { messages } from '../errors/cache.messages';
import { CACHE_STORE_BRAND, CacheStore, MaybePromise } from '../stores/cache-store.interface';
import { MemoryStore } from '../stores/memory.store';
import { CircuitState } from './circuit-breaker';
import { RedisCalls } from './redis-calls';
import { CoherentL1 } from './coherent-l1';
import { BusMessage, InvalidationBus } from './invalidation.bus';
import { ReadAhead } from './read-ahead';
import { RedisLock } from './distributed-lock';
import { RedisBackend } from './redis-backend.interface';
import { kindOf, namespaceOf, redisKey, scanPattern } from './redis-keys';

/**
 * The longest L1 keeps anything (a tag version read from Redis, whose remaining ttl there is not
 * known, included): if an invalidation message is ever lost for good (its sender died before its
 * retry), an instance serves what it missed for a minute at most.
 */
const L1_MAX_TTL_MS = 60_000;
/** What L1 keeps for a tag-version key Redis does not have (no NUL byte is in a stored value). */
const ABSENT = '\u0000';
const LOG_INTERVAL_MS = 5_000;

export interface RedisStoreSettings {
  /** A Redis call slower than this counts as a failure for the circuit breaker. */
  commandTimeoutMs: number;
  /** Consecutive failures that open the circuit, and how long it stays open before a probe. */
  breakerThreshold: number;
  breakerCooldownMs: number;
}

/**
 * The Redis store: Redis (standalone or Cluster) as the shared tier, a bounded in-process L1 in
 * front of it kept coherent by an invalidation bus, and a circuit breaker around every call.
 * Created by `redisStore()`; see its documentation.
 * @example
 * const store = redisStore({ url: process.env.REDIS_URL });
 * CacheModule.forRoot({ store });
 * store.circuit; // 'closed' | 'open' | 'half-open'
 */
export class RedisStore implements CacheStore {
  readonly [CACHE_STORE_BRAND] = true;
  readonly name: string;
  /** The lock of `distributedLock` (distributed single-flight). */
  readonly lock: RedisLock;
  private readonly calls: RedisCalls;
  private readonly l1?: CoherentL1;
  private readonly bus: InvalidationBus;
  private readonly readAhead = new ReadAhead();
  private readonly logger = new Logger('CacheModule');
  private lastLogAt = -Infinity;
  private closed = false;
  private timeoutAttached = false;
  /** The namespace of the last key seen: nearly every key of a process shares it. */
  private lastNamespace = '';
  private readonly circuitListeners: ((state: CircuitState) => void)[] = [];

  constructor(
    private readonly backend: RedisBackend,
    l1: MemoryStore | undefined,
    settings: RedisStoreSettings,
  ) {
    this.name = `redisStore(${backend.kind})`;
    this.calls = new RedisCalls(backend, this.name, settings, (state) =>
      this.circuitChanged(state),
    );
    this.l1 = l1 && new CoherentL1(l1);
    this.bus = new InvalidationBus(
      backend,
      {
        received: (namespace, message) => this.received(namespace, message),
        resync: (namespace) => this.resync(`${namespace}:`),
      },
      (error) => this.connectionError(error),
    );
    this.lock = new RedisLock(backend, this.calls, {
      acquired: (key, value) => {
        // The holder reads the entry next: from what the lock's round trip returned, not L1.
        this.l1?.drop([key]);
        this.readAhead.keep(key, value);
      },
      released: (key) => this.bus.publish(namespaceOf(key), { released: key }),
    });
  }

  /**
   * Subscribes to `namespace`'s invalidation channel now rather than on first use, and counts a
   * Redis call slower than the cache's `storeTimeout` as a failure for the circuit breaker.
   */
  attach(namespace: string, settings?: { storeTimeout: number }): void {
    this.bus.watch(namespace);
    const timeout = settings?.storeTimeout;
    if (typeof timeout !== 'number' || !(timeout > 0)) return;
    this.calls.timeoutMs = this.timeoutAttached ? Math.min(this.calls.timeoutMs, timeout) : timeout;
    this.timeoutAttached = true;
  }

  /** True while this instance hears every invalidation of `namespace`. */
  busLive(namespace: string): boolean {
    return this.bus.live(namespace);
  }

  /** Times the bus's subscriber reconnected (and L1 was flushed) since start. */
  get busReconnects(): number {
    return this.bus.reconnects;
  }

  /** `closed`, `open` or `half-open`. */
  get circuit(): CircuitState {
    return this.calls.breaker.state;
  }

  /** Calls `listener` when the circuit opens or closes (the cache's `cache.circuit.*` events). */
  onCircuitChange(listener: (state: CircuitState) => void): () => void {
    this.circuitListeners.push(listener);
    return () => {
      const at = this.circuitListeners.indexOf(listener);
      if (at >= 0) this.circuitListeners.splice(at, 1);
    };
  }

  /** Entries in L1 now (0 without L1). */
  get l1Size(): number {
    return this.l1?.size ?? 0;
  }

  /** True while L1 of `namespace` is trusted: the bus hears every change, or Redis is failing. */
  l1Readable(namespace: string): boolean {
    return this.l1 !== undefined && (this.bus.live(namespace) || this.calls.failing);
  }

  get(key: string): MaybePromise<string | undefined> {
    const namespace = this.namespaceOf(key);
    this.bus.watch(namespace);
    const local = this.l1Readable(namespace);
    if (local) {
      const value = this.l1!.get(key);
      if (value !== undefined) return value === ABSENT ? undefined : value;
    }
    if (this.readAhead.has(key)) return this.readAhead.take(key);
    let related = this.readAhead.related(key);
    if (local) related = related.filter((k) => this.l1!.get(k) === undefined);
    return this.fetch([key, ...related], 1).then((values) => values[0]);
  }

  getMany(keys: readonly string[]): MaybePromise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const out: (string | undefined)[] = new Array(keys.length);
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const local = this.l1Readable(this.namespaceOf(key)) ? this.l1!.get(key) : undefined;
      if (local !== undefined) out[i] = local === ABSENT ? undefined : local;
      else if (this.readAhead.has(key)) out[i] = this.readAhead.take(key);
      else missing.push(i);
    }
    if (missing.length === 0) return out;
    for (const i of missing) this.bus.watch(namespaceOf(keys[i]));
    return this.fetch(missing.map((i) => keys[i])).then((values) => {
      missing.forEach((position, i) => (out[position] = values[i]));
      return out;
    });
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const namespace = namespaceOf(key);
    this.bus.watch(namespace);
    this.l1?.drop([key]);
    this.readAhead.forget([key]);
    const since = this.l1?.begin();
    try {
      await this.calls.run(() => this.backend.set(redisKey(key), value, ttlMs));
      this.readAhead.learn(key, value);
      if (this.l1 && this.bus.live(namespace)) {
        this.l1.fill(key, value, Math.min(ttlMs, L1_MAX_TTL_MS), since!);
      }
    } finally {
      this.l1?.end();
    }
    this.bus.publish(namespace, { keys: [key] });
    this.lock.wake([key]);
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    this.l1?.drop(keys);
    this.readAhead.forget(keys);
    await this.calls.run(() => this.backend.unlink(keys.map(redisKey)));
    const byNamespace = new Map<string, string[]>();
    for (const key of keys) {
      const namespace = namespaceOf(key);
      byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), key]);
    }
    for (const [namespace, doomed] of byNamespace) this.bus.publish(namespace, { keys: doomed });
    this.lock.wake(keys);
  }

  async clear(prefix: string): Promise<void> {
    this.l1?.flush(prefix);
    this.readAhead.forgetAll();
    // A SCAN of a large namespace takes several rounds: allow it more than a single command.
    await this.calls.run(
      () => this.backend.unlinkMatching(scanPattern(prefix)),
      this.calls.timeoutMs * 20,
    );
    this.bus.publish(namespaceOf(prefix), { prefix });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.bus.close();
    this.backend.close();
  }

  /** Reads `keys`; those from `aheadFrom` on were fetched for the engine's next call. */
  private async fetch(
    keys: readonly string[],
    aheadFrom = keys.length,
  ): Promise<(string | undefined)[]> {
    const since = this.l1?.begin();
    try {
      const raw = await this.calls.run(() => this.backend.mget(keys.map(redisKey)));
      const values = raw.map((value) => value ?? undefined);
      for (let i = 0; i < keys.length; i++) {
        if (i >= aheadFrom) this.readAhead.keep(keys[i], values[i]);
        this.remember(keys[i], values[i], since);
      }
      return values;
    } finally {
      this.l1?.end();
    }
  }

  /** Keeps what a read returned: for the engine's next call, and in L1 when it is trusted. */
  private remember(key: string, value: string | undefined, since: number | undefined): void {
    const staleUntil = value === undefined ? undefined : this.readAhead.learn(key, value);
    if (this.l1 === undefined) return;
    if (!this.bus.live(namespaceOf(key))) {
      // Not trusted now, but L1 may be read again if Redis fails: drop what Redis contradicts.
      if (this.l1.get(key) !== value) this.l1.drop([key]);
      return;
    }
    if (value === undefined) {
      // A tag nobody invalidated has no key (its version is the initial one): L1 remembers that
      // too, so an L1 hit checks its tags without a round trip. A version written anywhere drops
      // it through the bus, like any other key.
      if (kindOf(key) === 't') this.l1.fill(key, ABSENT, L1_MAX_TTL_MS, since!);
      return;
    }
    let ttl: number;
    if (staleUntil !== undefined) {
      ttl = staleUntil === Infinity ? Infinity : staleUntil - Date.now();
    } else {
      ttl = kindOf(key) === 't' ? L1_MAX_TTL_MS : 0;
    }
    this.l1.fill(key, value, Math.min(ttl, L1_MAX_TTL_MS), since!);
  }

  private namespaceOf(key: string): string {
    const last = this.lastNamespace;
    if (key.charCodeAt(last.length) === 58 && key.startsWith(last) && last !== '') return last;
    return (this.lastNamespace = namespaceOf(key));
  }

  private received(namespace: string, message: BusMessage): void {
    const own = `${namespace}:`;
    if (typeof message.c === 'string') this.resync(message.c.startsWith(own) ? message.c : own);
    if (Array.isArray(message.k)) {
      this.l1?.drop(message.k);
      this.readAhead.forget(message.k);
      this.lock.wake(message.k);
    }
    if (Array.isArray(message.l)) this.lock.wake(message.l);
  }

  private resync(prefix: string): void {
    this.l1?.flush(prefix);
    this.readAhead.forgetAll();
  }

  private circuitChanged(state: CircuitState): void {
    if (state === 'half-open') return;
    this.logger.log(`${this.name}: circuit ${state}`);
    for (const listener of this.circuitListeners) listener(state);
  }

  /** Logs a connection error, at most once every 5 s (Redis down means one per reconnect). */
  connectionError(error: unknown): void {
    if (this.closed) return;
    const now = Date.now();
    if (now - this.lastLogAt < LOG_INTERVAL_MS) return;
    this.lastLogAt = now;
    this.logger.error(messages.storeConnectionFailed(this.name, error));
  }
}
