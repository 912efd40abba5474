import { CACHE_PUT_METADATA } from '../cache.constants';
import { where } from '../errors/cache.messages';
import { CachedOptions } from '../interfaces/cached-options.interface';
import { applyCacheMetadata } from './cached.decorator';
import { parseCachedOptions } from './parse-cached-options';

/**
 * Always runs the method (or handler), then stores its result under the key, so readers of that
 * key see the new value at once.
 * @example
 * @CachePut({ key: 'product:{0}' }) save(id: string, dto: ProductDto): Promise<Product> {}
 */
export function CachePut(options: CachedOptions = {}): MethodDecorator {
  return (target: object, method: string | symbol, descriptor: PropertyDescriptor) => {
    const metadata = parseCachedOptions(where(target, method), true, options);
    applyCacheMetadata(CACHE_PUT_METADATA, metadata, target, method, descriptor);
  };
}
