import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { CacheKeyFactory, CacheKeyFactoryClass } from '../interfaces/cache-key-factory.interface';

/**
 * Resolves key factory classes through DI, once: a registered provider is used as it is, an
 * unregistered class is instantiated with its dependencies injected.
 */
@Injectable()
export class KeyFactoryRegistry {
  private readonly instances = new Map<CacheKeyFactoryClass, CacheKeyFactory>();
  private readonly pending = new Map<CacheKeyFactoryClass, Promise<CacheKeyFactory>>();

  constructor(private readonly moduleRef: ModuleRef) {}

  /** The instance if already resolved (the hot path: no promise). */
  get(type: CacheKeyFactoryClass): CacheKeyFactory | undefined {
    return this.instances.get(type);
  }

  resolve(type: CacheKeyFactoryClass, where: string): Promise<CacheKeyFactory> {
    const known = this.pending.get(type);
    if (known) return known;
    const promise = this.create(type, where);
    this.pending.set(type, promise);
    return promise;
  }

  private async create(type: CacheKeyFactoryClass, where: string): Promise<CacheKeyFactory> {
    let instance: CacheKeyFactory | undefined;
    try {
      instance = this.moduleRef.get(type, { strict: false });
    } catch {
      instance = await this.moduleRef.create(type);
    }
    if (typeof instance?.build !== 'function') {
      throw new CacheConfigError(
        messages.keyFactoryWithoutBuild(where, type.name),
        CacheErrorCode.InvalidKeyFactory,
      );
    }
    this.instances.set(type, instance);
    return instance;
  }
}
