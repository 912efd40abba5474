import { ClassSerializerInterceptor, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { NEST_INTERCEPTORS_METADATA } from '../cache.constants';

/** Turns a handler's value into what the route's ClassSerializerInterceptor would send. */
export type ResponseSerializer = (value: unknown) => unknown;

/**
 * Finds the ClassSerializerInterceptor a route sits behind (method, controller or global), so the
 * cache stores what it makes of the value. A hit then carries no `@Exclude()`d field, even though
 * the entity's class is gone by the time the stored value is read back.
 */
export function findClassSerializer(
  ctx: ExecutionContext,
  moduleRef: ModuleRef,
  reflector: Reflector,
): ResponseSerializer | undefined {
  const candidates: unknown[] = [
    ...[...(Reflect.getMetadata(NEST_INTERCEPTORS_METADATA, ctx.getHandler()) ?? [])].reverse(),
    ...[...(Reflect.getMetadata(NEST_INTERCEPTORS_METADATA, ctx.getClass()) ?? [])].reverse(),
    ...[...globalInterceptors(moduleRef)].reverse(),
  ];
  for (const candidate of candidates) {
    const serializer = toSerializer(candidate, moduleRef, reflector);
    if (serializer) {
      const options = {
        ...(serializer as any).defaultOptions,
        ...(serializer as any).getContextOptions?.(ctx),
      };
      return (value) => serializer.serialize(value as object, options);
    }
  }
  return undefined;
}

function toSerializer(
  candidate: unknown,
  moduleRef: ModuleRef,
  reflector: Reflector,
): ClassSerializerInterceptor | undefined {
  if (candidate instanceof ClassSerializerInterceptor) return candidate;
  if (typeof candidate !== 'function') return undefined;
  if (
    !(candidate.prototype instanceof ClassSerializerInterceptor) &&
    candidate !== ClassSerializerInterceptor
  ) {
    return undefined;
  }
  try {
    return moduleRef.get(candidate as never, { strict: false });
  } catch {
    return new ClassSerializerInterceptor(reflector);
  }
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
export function routeInterceptors(ctx: ExecutionContext, moduleRef: ModuleRef): unknown[] {
  const config = (moduleRef as any).container?.applicationConfig;
  return [
    ...globalInterceptors(moduleRef),
    ...(config?.getGlobalRequestInterceptors?.() ?? []),
    ...(Reflect.getMetadata(NEST_INTERCEPTORS_METADATA, ctx.getClass()) ?? []),
    ...(Reflect.getMetadata(NEST_INTERCEPTORS_METADATA, ctx.getHandler()) ?? []),
  ];
}
