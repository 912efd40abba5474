import { Logger } from '@nestjs/common';
import { CacheStoreError } from '../errors/cache-store.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { CacheStore, MaybePromise } from '../stores/cache-store.interface';
import { isThenable } from '../utils/is-thenable';
import { StoreErrorReason } from './cache-observer.interface';
import { StatsCounter } from './stats.counter';
import { reportStoreFailure } from './strict-scope';

const LOG_INTERVAL_MS = 1_000;

/**
 * Contains a store's failures: a call that throws, rejects or outlasts `storeTimeout` is counted in
 * `stats().errors`, logged at most once a second, and turned into a miss (reads), a no-op (writes)
 * or a rejection the caller must see (deletes, tag invalidation, clear).
 */
export class GuardedStore {
  private readonly logger = new Logger('CacheModule');
  private lastLogAt = -Infinity;

  constructor(
    readonly store: CacheStore,
    private readonly timeoutMs: number,
    private readonly stats: StatsCounter,
  ) {}

  /** `null` when the store failed (as opposed to the key being absent). */
  read(key: string): MaybePromise<string | undefined | null> {
    // The hottest call of all (every hit): no closures on the synchronous path.
    let result: MaybePromise<string | undefined>;
    try {
      result = this.store.get(key);
    } catch (error) {
      reportStoreFailure(error);
      this.failed('get', error);
      return null;
    }
    if (!isThenable<string | undefined>(result)) return result;
    return this.withTimeout('get', result).catch((error) => {
      reportStoreFailure(error);
      this.failed('get', error);
      return null;
    });
  }

  /** `null` when the store failed (as opposed to keys being absent). */
  readMany(keys: readonly string[]): MaybePromise<(string | undefined)[] | null> {
    if (keys.length === 0) return [];
    return this.guard(
      'getMany',
      () => this.store.getMany(keys),
      () => null,
    );
  }

  /** Resolves `false` when the write failed. */
  write(key: string, value: string, ttlMs: number): MaybePromise<boolean> {
    return this.guard(
      'set',
      () => toTrue(this.store.set(key, value, ttlMs)),
      () => false,
    );
  }

  remove(keys: readonly string[]): MaybePromise<void> {
    return this.guard('delete', () => this.store.delete(keys), rethrow);
  }

  /** Removes keys in the background; a failure is counted and logged like any other. */
  discard(keys: readonly string[]): void {
    const done = this.guard('delete', () => this.store.delete(keys), ignore);
    if (isThenable(done)) Promise.resolve(done).catch(ignore);
  }

  /**
   * Counts a fault found in what the store returned (a damaged entry) in `stats().errors` and
   * logs it, at most once a second, like a failing call.
   */
  fault(operation: string, error: unknown): void {
    this.failed(operation, error, 'damaged');
  }

  /**
   * `write`, plus `landed`: settles when the store call itself ends, even after `storeTimeout`
   * (`undefined` for a store that answered synchronously).
   */
  writeTracked(
    key: string,
    value: string,
    ttlMs: number,
  ): { ok: MaybePromise<boolean>; landed?: Promise<void> } {
    let raw: MaybePromise<void> = undefined;
    const ok = this.guard(
      'set',
      () => toTrue((raw = this.store.set(key, value, ttlMs))),
      () => false,
    );
    return { ok, landed: isThenable(raw) ? Promise.resolve(raw).then(ignore, ignore) : undefined };
  }

  /** Like `write`, but a failure rejects: used where the caller must know (tag invalidation). */
  writeOrThrow(key: string, value: string, ttlMs: number): MaybePromise<void> {
    return this.guard('set', () => this.store.set(key, value, ttlMs), rethrow);
  }

  clear(prefix: string): MaybePromise<void> {
    return this.guard('clear', () => this.store.clear(prefix), rethrow);
  }

  private guard<T>(
    operation: string,
    call: () => MaybePromise<T>,
    fallback: (error: unknown) => T,
  ): MaybePromise<T> {
    let result: MaybePromise<T>;
    try {
      result = call();
    } catch (error) {
      reportStoreFailure(error);
      return fallback(this.failed(operation, error));
    }
    if (!isThenable<T>(result)) return result;
    return this.withTimeout(operation, result).catch((error) => {
      reportStoreFailure(error);
      return fallback(this.failed(operation, error));
    });
  }

  private withTimeout<T>(operation: string, promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const message = messages.storeTimeout(this.store.name, operation, this.timeoutMs);
        reject(new CacheStoreError(message, CacheErrorCode.StoreTimeout));
      }, this.timeoutMs);
      timer.unref?.();
      promise.then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error) => (clearTimeout(timer), reject(error)),
      );
    });
  }

  private failed(operation: string, error: unknown, reason?: StoreErrorReason): unknown {
    const timedOut = (error as CacheStoreError)?.code === CacheErrorCode.StoreTimeout;
    this.stats.storeFailed(operation, reason ?? (timedOut ? 'timeout' : 'error'), error);
    const now = Date.now();
    if (now - this.lastLogAt >= LOG_INTERVAL_MS) {
      this.lastLogAt = now;
      this.logger.error(messages.storeFailed(this.store.name, operation, error));
    }
    return error;
  }
}

function toTrue<T>(value: MaybePromise<T>): MaybePromise<boolean> {
  return isThenable(value) ? Promise.resolve(value).then(() => true) : true;
}

function ignore(): void {}

function rethrow(error: unknown): never {
  throw error;
}
