import { Injectable } from '@nestjs/common';
import { CacheEngine } from '../core/cache.engine';
import { parseOptionalTtl, Ttl } from '../core/ttl';
import { errorText } from '../errors/cache.messages';
import { storeCircuit } from '../stores/store-capabilities';
import { healthCheckError, probeStore } from './store-probe';

/** Options of `CacheHealthIndicator.isHealthy`. */
export interface CacheHealthOptions {
  /** A probe slower than this fails. @default 500 (ms) */
  timeout?: Ttl;
  /**
   * `true`: a failing store makes the check `down` (readiness fails). `false`: it stays `up` with
   * `degraded: true`, since the app serves without its cache.
   * @default false
   */
  strict?: boolean;
}

/** What the indicator reports under its key, in Terminus's result shape. */
export interface CacheHealthDetails {
  status: 'up' | 'down';
  /** The store's name, e.g. `memoryStore` or `redisStore(standalone)`. */
  store: string;
  latencyMs: number;
  /** The store's circuit breaker; `'closed'` for a store without one. */
  circuit: 'closed' | 'open' | 'half-open';
  /** Set while the store fails and the check is not strict. */
  degraded?: true;
  /** Why the store is failing. */
  message?: string;
}

export type CacheHealthResult = Record<string, CacheHealthDetails>;

/**
 * A Terminus health indicator for the cache's store (no import of `@nestjs/terminus`: it returns
 * Terminus's result shape, and in strict mode throws an error Terminus 10 and 11 recognise).
 * Injectable wherever `CacheService` is.
 * @example
 * @Get('health') @HealthCheck()
 * check() {
 *   return this.health.check([() => this.cache.isHealthy('cache', { strict: false })]);
 * }
 */
@Injectable()
export class CacheHealthIndicator {
  constructor(private readonly engine: CacheEngine) {}

  /**
   * Probes the store with one read (it writes nothing) bounded by `timeout`. Resolves
   * `{ [key]: { status, store, latencyMs, circuit } }`; a failing store (an error, a timeout, a
   * circuit that is not closed) gives `status: 'up', degraded: true`, or in strict mode throws an
   * error with `isHealthCheckError` and `causes` (Terminus answers 503).
   */
  async isHealthy(key = 'cache', options: CacheHealthOptions = {}): Promise<CacheHealthResult> {
    const timeout = parseOptionalTtl(options.timeout, 'CacheHealthIndicator timeout') ?? 500;
    const { store } = this.engine;
    const started = performance.now();
    const failure = await probeStore(store, this.engine.keys.meta('health'), timeout);
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const circuit = storeCircuit(store);
    const details: CacheHealthDetails = { status: 'up', store: store.name, latencyMs, circuit };
    const failing = failure !== undefined || circuit !== 'closed';
    if (!failing) return { [key]: details };
    details.message = failure !== undefined ? errorText(failure) : `circuit ${circuit}`;
    if (!options.strict) return { [key]: { ...details, degraded: true } };
    details.status = 'down';
    throw healthCheckError(key, details);
  }
}
