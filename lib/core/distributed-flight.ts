import { Logger } from '@nestjs/common';
import { messages } from '../errors/cache.messages';
import { MaybePromise } from '../stores/cache-store.interface';
import { StoreLock } from '../stores/store-lock.interface';
import { CacheEntry } from './cache-entry';
import { Lookup } from './entry-reader';
import { FlightResult, Ticket } from './flight';
import { LockPolicy } from './lock-policy';
import { StatsCounter } from './stats.counter';

/** How one caller's computation of a key uses the distributed lock. */
export interface LockedFlight<T> {
  policy: LockPolicy;
  /**
   * The result an entry stored by another instance gives this caller, or `undefined` when it
   * cannot serve it (damaged, or not what this caller stores: a plain value under an HTTP key).
   */
  adopt(entry: CacheEntry): FlightResult<T> | undefined;
  /**
   * A stale entry is served meanwhile (staleWhileRevalidate): when another instance holds the
   * lock, this caller neither waits nor computes, and its result is marked `elsewhere`.
   */
  stale?: boolean;
}

const FAILED = Symbol('lock failed');
type Acquired = string | null | typeof FAILED;

/** Waiters look again this often when no message wakes them (a holder that died says nothing). */
export function pollInterval(leaseMs: number): number {
  return Math.min(100, Math.max(10, Math.floor(leaseMs / 20)));
}

const LOG_INTERVAL_MS = 1_000;

/**
 * Single-flight across every instance that shares a store able to lock (`redisStore`). The
 * in-process leader of a key takes the store's lock of the key: it reads the entry again (an
 * instance may have stored it meanwhile), computes, waits until the value is in the store, then
 * releases, renewing the lease every third of it while it computes. The other instances' leaders
 * wait for a message or the next poll, read the stored entry and serve it, or take the lock once
 * it is free (a holder that died); after `wait` they compute themselves. A store that fails to
 * lock means per-process single-flight: the caller computes at once.
 */
export class DistributedFlight {
  private readonly logger = new Logger('CacheModule');
  private lastLogAt = -Infinity;

  constructor(
    private readonly lock: StoreLock,
    private readonly lookup: (key: string, user?: string) => MaybePromise<Lookup>,
    private readonly stats: StatsCounter,
    private readonly timeoutMs: number,
    private readonly onFailure: (operation: string, error: unknown) => void,
  ) {}

  /**
   * `run` guarded by the lock of `storeKey`. `holdAtMostMs` bounds the renewals: a computation
   * that never ends (a hung handler) stops holding the lock after that long.
   */
  guard<T>(
    storeKey: string,
    key: string,
    user: string | undefined,
    run: (ticket: Ticket) => Promise<FlightResult<T>>,
    locked: LockedFlight<T>,
    holdAtMostMs: number,
  ): (ticket: Ticket) => Promise<FlightResult<T>> {
    return async (ticket) => {
      const { lease } = locked.policy;
      let token: Acquired | FlightResult<T> | undefined = await this.acquire(storeKey, lease);
      if (token === null) {
        if (locked.stale) return { value: undefined as T, elsewhere: true };
        token = await this.waitForHolder(storeKey, key, user, locked);
      }
      if (token === FAILED || token === undefined) return run(ticket);
      if (typeof token !== 'string') return token;
      return this.hold(ticket, storeKey, token, key, user, run, locked, holdAtMostMs);
    };
  }

  /**
   * Waits until the holder's result can be read (returned), the lock is free (its token), the
   * store fails (`FAILED`) or `wait` passed (`undefined`).
   */
  private async waitForHolder<T>(
    storeKey: string,
    key: string,
    user: string | undefined,
    locked: LockedFlight<T>,
  ): Promise<FlightResult<T> | string | typeof FAILED | undefined> {
    const deadline = Date.now() + locked.policy.wait;
    const poll = pollInterval(locked.policy.lease);
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await this.changed(storeKey, Math.min(poll, left));
      const adopted = await this.read(key, user, locked);
      if (adopted !== undefined) return adopted;
      const token = await this.acquire(storeKey, locked.policy.lease);
      if (token !== null) return token;
    }
  }

  private async hold<T>(
    ticket: Ticket,
    storeKey: string,
    token: string,
    key: string,
    user: string | undefined,
    run: (ticket: Ticket) => Promise<FlightResult<T>>,
    locked: LockedFlight<T>,
    holdAtMostMs: number,
  ): Promise<FlightResult<T>> {
    const { lease } = locked.policy;
    const started = Date.now();
    const renew = setInterval(
      () => {
        if (Date.now() - started > holdAtMostMs) return clearInterval(renew);
        void this.call('lock', () => this.lock.extend(storeKey, token, lease)).then((held) => {
          if (held !== false) return;
          clearInterval(renew);
          this.log(messages.lockLost(key));
        });
      },
      Math.max(1, Math.floor(lease / 3)),
    );
    renew.unref?.();
    try {
      // Stored by an instance that held the lock just before: served, not computed again.
      const adopted = await this.read(key, user, locked);
      if (adopted !== undefined) return adopted;
      const result = await run(ticket);
      // Waiters read the entry once the lock is free: it must be in the store by then.
      if (ticket.writing !== undefined) await ticket.writing.catch(() => undefined);
      return result;
    } finally {
      clearInterval(renew);
      void this.call('lock', () => this.lock.release(storeKey, token));
    }
  }

  /** The fresh entry of `key` as this caller's result, or `undefined`. */
  private async read<T>(
    key: string,
    user: string | undefined,
    locked: LockedFlight<T>,
  ): Promise<FlightResult<T> | undefined> {
    const found = await this.lookup(key, user);
    if (found.state !== 'fresh') return undefined;
    const adopted = locked.adopt(found.entry);
    if (adopted !== undefined) this.stats.coalesced++;
    return adopted;
  }

  private async acquire(storeKey: string, lease: number): Promise<Acquired> {
    const token = await this.call('lock', () => this.lock.acquire(storeKey, lease));
    return token === FAILED ? FAILED : token;
  }

  /** A message about `storeKey`, or `ms` passed; never longer, whatever the store does. */
  private changed(storeKey: string, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    const message = Promise.resolve()
      .then(() => this.lock.changed(storeKey, ms))
      .catch(() => undefined);
    return Promise.race([elapsed, message]).finally(() => clearTimeout(timer));
  }

  /** A lock call bounded by `storeTimeout`; a failure is counted and logged, never thrown. */
  private async call<R>(operation: string, call: () => Promise<R>): Promise<R | typeof FAILED> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`lock call outlasted ${this.timeoutMs} ms`)),
          this.timeoutMs,
        );
        timer.unref?.();
      });
      return await Promise.race([Promise.resolve().then(call), deadline]);
    } catch (error) {
      this.onFailure(operation, error);
      return FAILED;
    } finally {
      clearTimeout(timer);
    }
  }

  private log(message: string): void {
    const now = Date.now();
    if (now - this.lastLogAt < LOG_INTERVAL_MS) return;
    this.lastLogAt = now;
    this.logger.warn(message);
  }
}
