import {
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CACHE_RESOLVED_OPTIONS } from '../cache.constants';
import { CacheEngine } from '../core/cache.engine';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { bindOpenTelemetry } from '../metrics/open-telemetry.metrics';
import { loadOptional } from '../metrics/optional-package';
import { bindPrometheus } from '../metrics/prometheus.metrics';
import { CacheEventsObserver, EmitterLike } from './cache-events.observer';

/**
 * Wires what `events` and `metrics` ask for, at bootstrap, loading each optional package only when
 * its option is set (a missing one fails `app.init()` with a `CacheConfigError` saying what to
 * install). With neither set it does nothing, and nothing runs per request.
 */
@Injectable()
export class ObservabilityBootstrap
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly unbind: (() => void)[] = [];

  constructor(
    private readonly engine: CacheEngine,
    @Inject(CACHE_RESOLVED_OPTIONS) private readonly options: ResolvedCacheOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onModuleInit(): Promise<void> {
    const { events, metrics } = this.options;
    if (events) await this.bindEvents();
    if (metrics.prometheus) {
      const { registry, prefix } = metrics.prometheus;
      this.unbind.push(await bindPrometheus(this.engine, registry, prefix));
    }
  }

  /** The OTel meter is taken as late as possible: the SDK is often started just before. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.metrics.openTelemetry) return;
    this.unbind.push(await bindOpenTelemetry(this.engine));
  }

  onApplicationShutdown(): void {
    for (const unbind of this.unbind.splice(0)) unbind();
    this.engine.stats.observer = undefined;
  }

  private async bindEvents(): Promise<void> {
    const { EventEmitter2 } = await loadOptional(
      () => import('@nestjs/event-emitter'),
      '@nestjs/event-emitter',
      'events',
    );
    let emitter: EmitterLike | undefined;
    try {
      emitter = this.moduleRef.get<EmitterLike>(EventEmitter2, { strict: false });
    } catch {
      emitter = undefined;
    }
    if (emitter === undefined || emitter === null) {
      throw new CacheConfigError(
        messages.missingEventEmitter('CacheModule'),
        CacheErrorCode.MissingEventEmitter,
      );
    }
    const { store, namespace } = this.engine;
    const observer = new CacheEventsObserver(emitter, namespace, store.name);
    this.engine.stats.observer = observer;
    const unsubscribe = store.onCircuitChange?.((state) => observer.circuit(state));
    if (unsubscribe) this.unbind.push(unsubscribe);
  }
}
