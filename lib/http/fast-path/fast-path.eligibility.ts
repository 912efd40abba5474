import { RequestMethod, VersioningType } from '@nestjs/common';
import { NEST_INTERCEPTORS_METADATA, NEST_METHOD_METADATA } from '../../cache.constants';
import { ResolvedCacheOptions } from '../../interfaces/cache-module-options.interface';
import { CachedMetadata, CacheEvictMetadata } from '../../metadata/cached-metadata';

/** Nest's metadata keys for guards and a controller's host (`@Controller({ host })`). */
const GUARDS_METADATA = '__guards__';
const HOST_METADATA = 'host';

/** What the fast path asks of a route, read from Nest's metadata and application config. */
export interface FastPathRoute {
  cls: Function;
  handler: Function;
  cached?: CachedMetadata;
  evict?: CacheEvictMetadata;
  /** Nest's `ApplicationConfig` (global guards, interceptors, versioning), when reachable. */
  appConfig?: AppConfigLike;
  /** True for the cache's own interceptor (class or instance), which does not count. */
  isOurs: (interceptor: unknown) => boolean;
  /** The handler sends its own response (`@Res()`, `@Next()`). */
  sendsItself: boolean;
}

/** The parts of Nest's `ApplicationConfig` read here. */
export interface AppConfigLike {
  getGlobalGuards?(): unknown[];
  getGlobalRequestGuards?(): unknown[];
  getGlobalInterceptors?(): unknown[];
  getGlobalRequestInterceptors?(): unknown[];
  getVersioning?(): { type?: VersioningType } | undefined;
}

/** The fast path's verdict on one route: not asked for, granted, or refused with a reason. */
export type FastPathDecision =
  | { requested: false }
  | { requested: true; eligible: true }
  | { requested: true; eligible: false; why: string };

/**
 * The one place that decides whether a route's hits may be answered before Nest's pipeline
 * (guards, interceptors, pipes, handler). Decided once per route, at bootstrap (for the warning)
 * and when the route is planned; a hit on the fast path skips everything Nest would run, so
 * anything that must run on a hit makes the route ineligible: a guard at any level, another
 * interceptor at any level, a per-user or identity-dependent entry, a handler that answers
 * itself, routing that Nest decides inside its handler (header or media-type versioning, hosts).
 */
export function decideFastPath(
  route: FastPathRoute,
  options: ResolvedCacheOptions,
): FastPathDecision {
  const { cached } = route;
  if (cached === undefined || cached.put || !(cached.fastPath ?? options.fastPath)) {
    return { requested: false };
  }
  const why = refusal(route);
  return why === undefined
    ? { requested: true, eligible: true }
    : { requested: true, eligible: false, why };
}

function refusal(route: FastPathRoute): string | undefined {
  const { cls, handler, cached, appConfig } = route;
  if (cached!.scope !== 'public') {
    return "its scope is not 'public' (a fast hit is shared by every request, identified or not)";
  }
  // Global guards and interceptors unknown: fail closed rather than skip one.
  if (appConfig === undefined) return "Nest's application config (global guards) is unreachable";
  const method = Reflect.getMetadata(NEST_METHOD_METADATA, handler);
  if (method !== RequestMethod.GET) return 'it is not a GET route';
  const guards = guardLevel(route);
  if (guards !== undefined) return `a guard applies (${guards}); guards never run on a fast hit`;
  const interceptors = [
    ...(appConfig?.getGlobalInterceptors?.() ?? []),
    ...(appConfig?.getGlobalRequestInterceptors?.() ?? []),
    ...(Reflect.getMetadata(NEST_INTERCEPTORS_METADATA, cls) ?? []),
    ...(Reflect.getMetadata(NEST_INTERCEPTORS_METADATA, handler) ?? []),
  ].filter((interceptor) => !route.isOurs(interceptor));
  if (interceptors.length > 0) {
    return 'another interceptor applies; interceptors never run on a fast hit';
  }
  if (route.evict !== undefined) return 'it also evicts (@CacheEvict)';
  if (cached!.keyFactory !== undefined) return 'a key factory builds its key';
  if (route.sendsItself) return 'the handler sends its own response (@Res() / @Next())';
  const versioning = appConfig?.getVersioning?.()?.type;
  if (versioning !== undefined && versioning !== VersioningType.URI) {
    return 'the app routes by header, media-type or custom versioning';
  }
  if (Reflect.getMetadata(HOST_METADATA, cls) !== undefined) return 'its controller routes by host';
  return undefined;
}

function guardLevel(route: FastPathRoute): string | undefined {
  const config = route.appConfig;
  if ((config?.getGlobalGuards?.() ?? []).length > 0) return 'global, or APP_GUARD';
  if ((config?.getGlobalRequestGuards?.() ?? []).length > 0) return 'APP_GUARD, request-scoped';
  if ((Reflect.getMetadata(GUARDS_METADATA, route.cls) ?? []).length > 0) return 'controller';
  if ((Reflect.getMetadata(GUARDS_METADATA, route.handler) ?? []).length > 0) return 'method';
  return undefined;
}

/** Nest's `ApplicationConfig`, reached through a `ModuleRef` (or anything holding the container). */
export function appConfigOf(moduleRef: unknown): AppConfigLike | undefined {
  return (moduleRef as { container?: { applicationConfig?: AppConfigLike } } | undefined)?.container
    ?.applicationConfig;
}
