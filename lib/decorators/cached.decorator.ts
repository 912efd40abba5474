import { SetMetadata, UseInterceptors } from '@nestjs/common';
import {
  CACHE_PUT_METADATA,
  CACHED_METADATA,
  NEST_INTERCEPTORS_METADATA,
} from '../cache.constants';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
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
  // A class property (an arrow function) reaches a decorator with no method descriptor, and some
  // transpilers hand over an initializer descriptor: neither has a method to cache.
  if (method !== undefined && typeof descriptor?.value !== 'function') {
    throw new CacheConfigError(
      messages.notAMethod(where(target, method)),
      CacheErrorCode.NotAMethod,
    );
  }
  const rival = RIVALS[metadataKey];
  if (descriptor && rival && Reflect.getMetadata(rival, descriptor.value) !== undefined) {
    throw new CacheConfigError(messages.conflictingDecorators(where(target, method)));
  }
  if (descriptor) {
    SetMetadata(metadataKey, metadata)(target, method!, descriptor);
    // One interceptor per handler, however many cache decorators it carries.
    if (!hasCacheInterceptor(descriptor.value))
      UseInterceptors(CacheInterceptor)(target, method!, descriptor);
    return;
  }
  // The class-level interceptor serves every handler: method-level copies would nest inside it.
  const prototype = (target as Function).prototype;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value;
    if (name === 'constructor' || typeof handler !== 'function') continue;
    if (!hasCacheInterceptor(handler)) continue;
    const rest = (Reflect.getMetadata(NEST_INTERCEPTORS_METADATA, handler) as unknown[]).filter(
      (interceptor) => interceptor !== CacheInterceptor,
    );
    Reflect.defineMetadata(NEST_INTERCEPTORS_METADATA, rest, handler);
  }
  SetMetadata(metadataKey, metadata)(target as Function);
  UseInterceptors(CacheInterceptor)(target as Function);
}

function hasCacheInterceptor(target: object): boolean {
  const interceptors: unknown[] = Reflect.getMetadata(NEST_INTERCEPTORS_METADATA, target) ?? [];
  return interceptors.includes(CacheInterceptor);
}
