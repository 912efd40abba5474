import { ClassSerializerInterceptor, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { NEST_INTERCEPTORS_METADATA } from '../cache.constants';

/** Methods through which a serializer subclass can make its output depend on the request. */
const PER_REQUEST = ['getContextOptions', 'serialize', 'transformToPlain', 'intercept'];

/**
 * The name of a `ClassSerializerInterceptor` subclass among a route's `interceptors` (from
 * `routeInterceptors`) that overrides how it picks options or serializes (e.g. `groups` from the
 * user's role), or `undefined`. The stock class reads `@SerializeOptions()` only, which is the same
 * for every request of the route.
 */
export function findPerRequestSerializer(interceptors: readonly unknown[]): string | undefined {
  for (const candidate of interceptors as any[]) {
    const cls = typeof candidate === 'function' ? candidate : candidate?.constructor;
    if (typeof cls !== 'function' || !(cls.prototype instanceof ClassSerializerInterceptor)) {
      continue;
    }
    for (let proto = cls.prototype; proto !== ClassSerializerInterceptor.prototype;) {
      if (PER_REQUEST.some((name) => Object.prototype.hasOwnProperty.call(proto, name))) {
        return cls.name;
      }
      proto = Object.getPrototypeOf(proto);
    }
  }
  return undefined;
}

/** Interceptors registered with `useGlobalInterceptors` or `APP_INTERCEPTOR`. */
function globalInterceptors(moduleRef: ModuleRef): NestInterceptor[] {
  const config = (moduleRef as any).container?.applicationConfig;
  return config?.getGlobalInterceptors?.() ?? [];
}

/**
 * Every interceptor around a route: global ones (request-scoped included), the controller's and
 * the handler's, as classes or instances.
 */
export function routeInterceptors(ctx: ExecutionContext, moduleRef: ModuleRef): any[] {
  const config = (moduleRef as any).container?.applicationConfig;
  return [
    ...globalInterceptors(moduleRef),
    ...(config?.getGlobalRequestInterceptors?.() ?? []).map(
      (wrapper: any) => wrapper?.metatype ?? wrapper,
    ),
    ...(Reflect.getMetadata(NEST_INTERCEPTORS_METADATA, ctx.getClass()) ?? []),
    ...(Reflect.getMetadata(NEST_INTERCEPTORS_METADATA, ctx.getHandler()) ?? []),
  ];
}
