import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { CACHE_TTL_METADATA } from '../cache.constants';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages, where } from '../errors/cache.messages';

/** A ttl computed per request (milliseconds; `0` = no expiry). */
export type CacheTTLFactory = (ctx: ExecutionContext) => number | Promise<number>;

/**
 * `@nestjs/cache-manager`'s `@CacheTTL`: how long (milliseconds) the responses of a handler (or
 * of every handler of a controller) covered by `CacheInterceptor` are kept; `0` means no expiry.
 * Also a factory `(ctx) => number`. With nestjs-cached itself, write `@Cached('5s')`.
 * @example
 * @Get() @CacheTTL(5000) findAll() {}
 */
export function CacheTTL(ttl: number | CacheTTLFactory): ClassDecorator & MethodDecorator {
  return (target: object, method?: string | symbol, descriptor?: PropertyDescriptor) => {
    const valid =
      typeof ttl === 'function' ||
      (typeof ttl === 'number' && (ttl === 0 || ttl === Infinity || (ttl > 0 && isFinite(ttl))));
    if (!valid) {
      throw new CacheConfigError(
        messages.invalidTtl(`${where(target, method)} @CacheTTL`, ttl),
        CacheErrorCode.InvalidTtl,
      );
    }
    if (descriptor) SetMetadata(CACHE_TTL_METADATA, ttl)(target, method!, descriptor);
    else SetMetadata(CACHE_TTL_METADATA, ttl)(target as Function);
  };
}
