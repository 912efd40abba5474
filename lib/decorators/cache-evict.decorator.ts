import { CACHE_EVICT_METADATA } from '../cache.constants';
import { CacheConfigError } from '../errors/cache-config.error';
import { messages, where } from '../errors/cache.messages';
import { CacheEvictOptions } from '../interfaces/cached-options.interface';
import { CacheEvictMetadata } from '../metadata/cached-metadata';
import { applyCacheMetadata } from './cached.decorator';
import { compileKey } from './parse-cached-options';

const KNOWN = ['keys', 'tags', 'all', 'before', 'scope'];

/**
 * Deletes keys, invalidates tags or clears the namespace after the method (or a handler's 2xx
 * response) succeeded; with `before: true`, before it runs. A method that throws evicts nothing.
 * @example
 * @CacheEvict({ keys: ['product:{0}'], tags: ['products'] }) update(id: string, dto: Dto) {}
 */
export function CacheEvict(options: CacheEvictOptions): MethodDecorator {
  return (target: object, method: string | symbol, descriptor: PropertyDescriptor) => {
    const at = where(target, method);
    if (typeof options !== 'object' || options === null) {
      throw new CacheConfigError(messages.evictWithoutTarget(at));
    }
    for (const name of Object.keys(options)) {
      if (!KNOWN.includes(name))
        throw new CacheConfigError(messages.unknownOption(at, name, KNOWN));
    }
    const keys = list(at, 'keys', options.keys);
    const tags = list(at, 'tags', options.tags);
    if (keys.length === 0 && tags.length === 0 && options.all !== true) {
      throw new CacheConfigError(messages.evictWithoutTarget(at));
    }
    if (options.scope !== undefined && options.scope !== 'user') {
      throw new CacheConfigError(messages.invalidOption(at, 'scope', "'user'", options.scope));
    }
    const metadata: CacheEvictMetadata = {
      where: at,
      scope: options.scope,
      keys: keys.map((key) => compileKey(at, 'keys', key)),
      tags: tags.map((tag) => compileKey(at, 'tags', tag)),
      all: options.all === true,
      before: options.before === true,
    };
    applyCacheMetadata(CACHE_EVICT_METADATA, metadata, target, method, descriptor);
  };
}

function list(at: string, option: string, value: unknown): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new CacheConfigError(messages.invalidOption(at, option, 'an array', value));
  }
  return value;
}
