import { ModulesContainer } from '@nestjs/core';
import {
  CACHE_EVICT_METADATA,
  CACHE_PUT_METADATA,
  CACHED_METADATA,
  NEST_INTERCEPTORS_METADATA,
} from '../cache.constants';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';

const KEYS = [CACHED_METADATA, CACHE_PUT_METADATA, CACHE_EVICT_METADATA];

/**
 * The error for a cache interceptor that Nest built in a module that cannot see `CacheModule`
 * (Nest builds the interceptors named on any provider's or controller's methods, in that class's
 * module): it names the first decorated `Class@method` of that module and both fixes.
 */
export function missingCacheModule(
  interceptor: object,
  modules: ModulesContainer | undefined,
): CacheConfigError {
  for (const module of modules?.values() ?? []) {
    const injectables = [...module.injectables.values()];
    if (!injectables.some((wrapper) => wrapper.instance === interceptor)) continue;
    const classes = [...module.controllers.values(), ...module.providers.values()]
      .map((wrapper) => wrapper.metatype)
      .filter((type): type is Function => typeof type === 'function' && !!type.prototype);
    const applies = usesInterceptor(interceptor.constructor);
    for (const cls of classes) {
      if (applies(cls)) {
        return new CacheConfigError(
          messages.cacheModuleNotVisible(cls.name, module.metatype.name),
          CacheErrorCode.CacheModuleNotVisible,
        );
      }
      const method = decoratedMethod(cls, applies);
      if (method !== undefined) {
        return new CacheConfigError(
          messages.cacheModuleNotVisible(`${cls.name}@${method}`, module.metatype.name),
          CacheErrorCode.CacheModuleNotVisible,
        );
      }
    }
    return new CacheConfigError(
      messages.cacheModuleNotVisible(module.metatype.name, module.metatype.name),
      CacheErrorCode.CacheModuleNotVisible,
    );
  }
  return new CacheConfigError(
    messages.cacheModuleNotVisible('CacheInterceptor', 'its module'),
    CacheErrorCode.CacheModuleNotVisible,
  );
}

/** True for a class or method that names the interceptor in `@UseInterceptors()`. */
function usesInterceptor(type: Function): (target: object) => boolean {
  return (target) =>
    ((Reflect.getMetadata(NEST_INTERCEPTORS_METADATA, target) as unknown[]) ?? []).includes(type);
}

function decoratedMethod(cls: Function, applies: (target: object) => boolean): string | undefined {
  const classLevel = KEYS.some((key) => Reflect.getMetadata(key, cls) !== undefined);
  for (let proto = cls.prototype; proto && proto !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value = Object.getOwnPropertyDescriptor(proto, name)?.value;
      if (name === 'constructor' || typeof value !== 'function') continue;
      if (
        classLevel ||
        applies(value) ||
        KEYS.some((key) => Reflect.getMetadata(key, value) !== undefined)
      ) {
        return name;
      }
    }
    proto = Object.getPrototypeOf(proto);
  }
  return undefined;
}
