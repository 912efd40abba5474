import { Injectable } from '@nestjs/common';
import {
  OPTIONAL_DEPS_METADATA,
  PARAMTYPES_METADATA,
  SELF_DECLARED_DEPS_METADATA,
} from '@nestjs/common/constants';
import { ModuleRef } from '@nestjs/core';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { CacheKeyFactory, CacheKeyFactoryClass } from '../interfaces/cache-key-factory.interface';

/** A constructor argument as `@Inject()` records it; `forwardRef` tokens included. */
type Token = unknown;

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
    const instance: CacheKeyFactory | undefined =
      this.find<CacheKeyFactory>(type) ??
      this.construct(type) ??
      (await this.moduleRef.create(type));
    if (typeof instance?.build !== 'function') {
      throw new CacheConfigError(
        messages.keyFactoryWithoutBuild(where, type.name),
        CacheErrorCode.InvalidKeyFactory,
      );
    }
    this.instances.set(type, instance);
    return instance;
  }

  /** Any provider of the application, not only those the cache module can see. */
  private find<T>(token: Token): T | undefined {
    try {
      return this.moduleRef.get(token as never, { strict: false }) as T;
    } catch {
      return undefined;
    }
  }

  /**
   * Builds an unregistered class with its constructor dependencies taken from anywhere in the
   * application (the user's own providers are not visible from the cache module's scope).
   * `undefined` when one cannot be found; `moduleRef.create` then reports it in Nest's words.
   */
  private construct(type: CacheKeyFactoryClass): CacheKeyFactory | undefined {
    const tokens: Token[] = [...(Reflect.getMetadata(PARAMTYPES_METADATA, type) ?? [])];
    const declared: { index: number; param: Token }[] =
      Reflect.getMetadata(SELF_DECLARED_DEPS_METADATA, type) ?? [];
    for (const { index, param } of declared) tokens[index] = param;
    const optional: number[] = Reflect.getMetadata(OPTIONAL_DEPS_METADATA, type) ?? [];
    const args: unknown[] = [];
    for (let i = 0; i < Math.max(tokens.length, type.length); i++) {
      const token = unwrapForwardRef(tokens[i]);
      const value = token === undefined ? undefined : this.find(token);
      if (value === undefined && !optional.includes(i)) return undefined;
      args.push(value);
    }
    return new type(...args);
  }
}

function unwrapForwardRef(token: Token): Token {
  const ref = token as { forwardRef?: () => Token } | undefined;
  return typeof ref?.forwardRef === 'function' ? ref.forwardRef() : token;
}
