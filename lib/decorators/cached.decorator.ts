import { SetMetadata, UseInterceptors } from '@nestjs/common';
import { CACHE_PUT_METADATA, CACHED_METADATA } from '../cache.constants';
import { CacheConfigError } from '../errors/cache-config.error';
import { messages, where } from '../errors/cache.messages';
import { Ttl } from '../core/ttl';
import { CachedOptions, CacheKeyTemplate } from '../interfaces/cached-options.interface';
import { CacheInterceptor } from '../interceptors/cache.interceptor';
import { parseCachedArguments } from './parse-cached-options';

/**
 * Caches a GET handler's response (or every GET handler of a controller), or a provider method's
 * resolved result by its arguments. Options are validated here, at decoration time.
 * @example
 * @Get(':id') @Cached('30s') findOne(@Param('id') id: string) {}
 * @Get() @Cached({ vary: ['accept-language'] }) list() {}
 * @Cached({ ttl: '10m', tags: ['product:{0}'] }) findOne(id: string): Promise<Product> {}
 */
export function Cached(): ClassDecorator & MethodDecorator;
export function Cached(ttl: Ttl, key?: CacheKeyTemplate): ClassDecorator & MethodDecorator;
export function Cached(options: CachedOptions): ClassDecorator & MethodDecorator;
export function Cached(first?: Ttl | CachedOptions, key?: CacheKeyTemplate) {
  return (target: object, method?: string | symbol, descriptor?: PropertyDescriptor) => {
    const metadata = parseCachedArguments(where(target, method), false, first, key);
    applyCacheMetadata(CACHED_METADATA, metadata, target, method, descriptor);
  };
}

/** `@Cached` and `@CachePut` exclude each other on one method. */
const RIVALS: Record<string, string> = {
  [CACHED_METADATA]: CACHE_PUT_METADATA,
  [CACHE_PUT_METADATA]: CACHED_METADATA,
};

/** Writes metadata and the interceptor, on a class or on one method. */
export function applyCacheMetadata(
  metadataKey: string,
  metadata: unknown,
  target: object,
  method?: string | symbol,
  descriptor?: PropertyDescriptor,
): void {
  const rival = RIVALS[metadataKey];
  if (descriptor && rival && Reflect.getMetadata(rival, descriptor.value) !== undefined) {
    throw new CacheConfigError(messages.conflictingDecorators(where(target, method)));
  }
  const decorators = [SetMetadata(metadataKey, metadata), UseInterceptors(CacheInterceptor)];
  for (const decorate of decorators) {
    if (descriptor) decorate(target, method!, descriptor);
    else (decorate as ClassDecorator)(target as Function);
  }
}
