import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { CACHE_KEY_METADATA } from '../cache.constants';
import { CacheConfigError } from '../errors/cache-config.error';
import { messages, where } from '../errors/cache.messages';

/** A key computed per request, as `@nestjs/cache-manager` takes it; `undefined` bypasses. */
export type CacheKeyFactory = (
  ctx: ExecutionContext,
) => string | undefined | Promise<string | undefined>;

/**
 * `@nestjs/cache-manager`'s `@CacheKey`: the key a handler covered by `CacheInterceptor` is cached
 * under (a fixed string, or a function of the request). With nestjs-cached itself, write
 * `@Cached({ key })`.
 * @example
 * @Get() @CacheKey('all_products') findAll() {}
 */
export function CacheKey(key: string | CacheKeyFactory): ClassDecorator & MethodDecorator {
  return (target: object, method?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (!(typeof key === 'function' || (typeof key === 'string' && key.length > 0))) {
      throw new CacheConfigError(
        messages.invalidOption(
          where(target, method),
          'key',
          'a non-empty string or a function',
          key,
        ),
      );
    }
    if (descriptor) SetMetadata(CACHE_KEY_METADATA, key)(target, method!, descriptor);
    else SetMetadata(CACHE_KEY_METADATA, key)(target as Function);
  };
}
