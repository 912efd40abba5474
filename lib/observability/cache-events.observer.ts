import {
  CacheObserver,
  InvalidationKind,
  StoreErrorReason,
} from '../core/cache-observer.interface';
import { LookupResult, NotStoredReason, SourceCounter, SourceKind } from '../core/source.counter';
import { Logger } from '@nestjs/common';
import { errorText, messages } from '../errors/cache.messages';

/** The part of `EventEmitter2` the cache uses. */
export interface EmitterLike {
  emit(event: string, ...values: unknown[]): boolean;
  /** `EventEmitter2`'s: lets the cache catch what async listeners reject with. */
  emitAsync?(event: string, ...values: unknown[]): Promise<unknown[]> | boolean;
  hasListeners(event?: string): boolean;
  /** `EventEmitter2`'s catch-all listeners (`onAny`), which its `hasListeners` ignores in wildcard mode. */
  listenersAny?(): unknown[];
}

/**
 * The payload of every `cache.*` event. It never holds the cached value; `key` is the key as the
 * template rendered it (no namespace, no user).
 * @example
 * @OnEvent('cache.miss') onMiss(event: CacheEvent) { this.log.debug(`${event.source} missed`) }
 */
export interface CacheEvent {
  namespace: string;
  /** The implicit tag of the handler or method (`CacheService` for its own calls). */
  source?: string;
  kind?: SourceKind;
  key?: string;
  /** `cache.not_stored`: why; `cache.invalidated`: key, tag or clear; `cache.error`: timeout, damaged or error. */
  reason?: NotStoredReason | InvalidationKind | StoreErrorReason;
  /** Hits and stale hits: how old the entry served is. */
  ageMs?: number;
  /** `cache.error`: the store and the failed operation, and the error's message. */
  store?: string;
  operation?: string;
  message?: string;
}

const LOOKUP_EVENT: Record<LookupResult, string> = {
  hit: 'cache.hit',
  stale: 'cache.stale',
  miss: 'cache.miss',
  bypass: 'cache.bypass',
};

/**
 * Emits the cache's events through Nest's `EventEmitter2`, each only when its name has listeners
 * (a wildcard listener counts): nothing is built for names nobody listens to.
 */
export class CacheEventsObserver implements CacheObserver {
  private readonly logger = new Logger('CacheModule');
  private readonly failedListeners = new Set<string>();

  constructor(
    private readonly emitter: EmitterLike,
    private readonly namespace: string,
    private readonly store: string,
  ) {}

  lookup(counter: SourceCounter, result: LookupResult, key?: string, createdAt?: number): void {
    const name = LOOKUP_EVENT[result];
    if (!this.listened(name)) return;
    const event = this.event(counter, key);
    if (createdAt !== undefined) event.ageMs = Math.max(0, Date.now() - createdAt);
    this.emit(name, event);
  }

  stored(counter: SourceCounter, key?: string): void {
    if (!this.listened('cache.stored')) return;
    this.emit('cache.stored', this.event(counter, key));
  }

  notStored(counter: SourceCounter, reason: NotStoredReason, key?: string): void {
    if (!this.listened('cache.not_stored')) return;
    this.emit('cache.not_stored', { ...this.event(counter, key), reason });
  }

  invalidated(kind: InvalidationKind, names: readonly string[]): void {
    if (!this.listened('cache.invalidated')) return;
    const { namespace } = this;
    if (kind === 'clear') this.emit('cache.invalidated', { namespace, reason: kind });
    for (const key of names) this.emit('cache.invalidated', { namespace, key, reason: kind });
  }

  storeError(operation: string, reason: StoreErrorReason, error: unknown): void {
    if (!this.listened('cache.error')) return;
    const { namespace, store } = this;
    const message = errorText(error);
    this.emit('cache.error', { namespace, store, operation, reason, message });
  }

  /** `cache.circuit.opened` / `cache.circuit.closed` (stores with a breaker). */
  circuit(state: 'closed' | 'open' | 'half-open'): void {
    if (state === 'half-open') return;
    const name = state === 'open' ? 'cache.circuit.opened' : 'cache.circuit.closed';
    if (!this.listened(name)) return;
    this.emit(name, { namespace: this.namespace, store: this.store });
  }

  /**
   * A listener that throws, or an async one that rejects, must not fail the request or the store
   * call that emitted, nor raise an unhandled rejection (which ends a Node 20 process): its error
   * is logged (once per event name) and the cache goes on.
   */
  private emit(name: string, event: object): void {
    try {
      if (this.emitter.emitAsync === undefined) {
        this.emitter.emit(name, event);
        return;
      }
      const settled = this.emitter.emitAsync(name, event);
      if (typeof settled === 'object' && settled !== null && 'then' in settled) {
        settled.then(undefined, (error: unknown) => this.listenerFailed(name, error));
      }
    } catch (error) {
      this.listenerFailed(name, error);
    }
  }

  /** Whether `name` has a listener: its own, a wildcard pattern's, or a catch-all (`onAny`) one. */
  private listened(name: string): boolean {
    if (this.emitter.hasListeners(name)) return true;
    const any = this.emitter.listenersAny?.();
    return any !== undefined && any.length > 0;
  }

  private listenerFailed(name: string, error: unknown): void {
    if (this.failedListeners.has(name)) return;
    this.failedListeners.add(name);
    this.logger.error(messages.listenerFailed(name, errorText(error)));
  }

  private event(counter: SourceCounter, key: string | undefined): CacheEvent {
    return { namespace: this.namespace, source: counter.source, kind: counter.kind, key };
  }
}
