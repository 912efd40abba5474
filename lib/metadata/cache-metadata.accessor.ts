import { Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  CACHE_EVICT_METADATA,
  CACHE_IDENTITY_METADATA,
  CACHE_PUT_METADATA,
  CACHED_METADATA,
  NEST_SSE_METADATA,
  NO_CACHE_METADATA,
} from '../cache.constants';
import { CachedMetadata, CacheEvictMetadata } from './cached-metadata';

/** The one place cache metadata is read: method overrides class, `@NoCache` opts out. */
@Injectable()
export class CacheMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** `@Cached` (method, else class) or `@CachePut` (method) of a handler, unless `@NoCache`. */
  cached(handler: Function, cls: Type<unknown> | Function): CachedMetadata | undefined {
    const put = this.reflector.get<CachedMetadata | undefined>(CACHE_PUT_METADATA, handler);
    if (put) return put;
    if (this.reflector.get<boolean>(NO_CACHE_METADATA, handler)) return undefined;
    // An event stream is never cached: class-level @Cached leaves @Sse() handlers alone (and
    // method-level @Cached on one fails at bootstrap).
    if (this.isEventStream(handler)) return undefined;
    return this.reflector.getAllAndOverride<CachedMetadata | undefined>(CACHED_METADATA, [
      handler,
      cls,
    ]);
  }

  /** True when `@Cached` is on the method itself (not inherited from the class decorator). */
  isMethodLevel(handler: Function): boolean {
    return this.reflector.get(CACHED_METADATA, handler) !== undefined;
  }

  /** `@CachePut` or `@Cached` written on a provider method itself. */
  methodCached(method: Function): CachedMetadata | undefined {
    return (
      this.reflector.get<CachedMetadata | undefined>(CACHE_PUT_METADATA, method) ??
      this.reflector.get<CachedMetadata | undefined>(CACHED_METADATA, method)
    );
  }

  /** True for an `@Sse()` handler. */
  isEventStream(handler: Function): boolean {
    return this.reflector.get<boolean>(NEST_SSE_METADATA, handler) === true;
  }

  /** The identity pinned on a provider class itself with `@CacheIdentity` (not inherited). */
  identity(cls: Function): string | undefined {
    return Reflect.getOwnMetadata(CACHE_IDENTITY_METADATA, cls);
  }

  evict(handler: Function): CacheEvictMetadata | undefined {
    return this.reflector.get<CacheEvictMetadata | undefined>(CACHE_EVICT_METADATA, handler);
  }
}
