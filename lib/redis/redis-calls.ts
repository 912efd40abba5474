import { CacheErrorCode } from '../errors/cache-error-code';
import { CacheStoreError } from '../errors/cache-store.error';
import { messages } from '../errors/cache.messages';
import { CircuitBreaker, CircuitState } from './circuit-breaker';
import { RedisBackend } from './redis-backend.interface';
import { CONNECT_TIMEOUT_MS } from './redis-connection';

/**
 * Every Redis call the store makes goes through here: refused at once while disconnected (never
 * queued) or while the circuit is open, otherwise timed; failures and timeouts feed the breaker.
 * Right after start, a call waits for the store's own first connection (at most the connect
 * timeout) rather than fail; an app's own client is never waited for.
 */
export class RedisCalls {
  readonly breaker: CircuitBreaker;
  timeoutMs: number;
  private readonly createdAt = Date.now();
  private startupOver = false;

  constructor(
    private readonly backend: RedisBackend,
    private readonly name: string,
    settings: { commandTimeoutMs: number; breakerThreshold: number; breakerCooldownMs: number },
    onCircuit: (state: CircuitState) => void,
  ) {
    this.timeoutMs = settings.commandTimeoutMs;
    this.breaker = new CircuitBreaker(
      settings.breakerThreshold,
      settings.breakerCooldownMs,
      onCircuit,
    );
    void backend.firstReady.then(() => (this.startupOver = true));
  }

  /** True when Redis is not answering: disconnected, or the circuit is not closed. */
  get failing(): boolean {
    return !this.backend.ready || this.breaker.state !== 'closed';
  }

  run<T>(call: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const connecting = CONNECT_TIMEOUT_MS - (Date.now() - this.createdAt);
    if (!this.backend.ready && this.backend.owned && !this.startupOver && connecting > 0) {
      // Within the call's own time budget only: a call never runs after its caller gave up.
      const started = Date.now();
      return this.firstConnection(Math.min(connecting, timeoutMs)).then(() => {
        const left = timeoutMs - (Date.now() - started);
        if (this.backend.ready && left > 0) return this.run(call, left);
        return Promise.reject(this.unavailable());
      });
    }
    if (!this.backend.ready) {
      this.breaker.failure();
      return Promise.reject(this.unavailable());
    }
    if (!this.breaker.allow()) {
      const message = messages.circuitOpen(this.name);
      return Promise.reject(new CacheStoreError(message, CacheErrorCode.CircuitOpen));
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        this.breaker.failure();
        const message = messages.storeTimeout(this.name, 'command', timeoutMs);
        reject(new CacheStoreError(message, CacheErrorCode.StoreTimeout));
      }, timeoutMs);
      timer.unref?.();
      call().then(
        (value) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.breaker.success();
          resolve(value);
        },
        (error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.breaker.failure();
          reject(error);
        },
      );
    });
  }

  private unavailable(): CacheStoreError {
    const message = messages.storeUnavailable(this.name);
    return new CacheStoreError(message, CacheErrorCode.StoreUnavailable);
  }

  private firstConnection(withinMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, withinMs);
      timer.unref?.();
      void this.backend.firstReady.then(() => (clearTimeout(timer), resolve()));
    });
  }
}
