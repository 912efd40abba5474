import { ResolvedCacheOptions } from '../../interfaces/cache-module-options.interface';
import { CachedMetadata } from '../../metadata/cached-metadata';
import { RouteValidators } from './cached-answer';
import { emittedCacheControl } from './cache-control';
import { EtagKind } from './etag';

/** A route's validator settings: what `cachedAnswer` needs, and what the miss side needs. */
export interface RouteValidatorPlan {
  etag: EtagKind;
  validators: RouteValidators;
  honorRequestCacheControl: boolean;
}

/**
 * Works out a route's validator settings from its decorator metadata and the module options
 * (decorator over module), without an `ExecutionContext`: the route plan and a fast path that
 * answers hits before Nest's pipeline share it.
 * @example
 * const { validators } = routeValidators(cached, options);
 * cachedAnswer(entryHead, { method: req.method, headers: req.headers }, validators, Date.now(), 'HIT');
 */
export function routeValidators(
  cached: CachedMetadata | undefined,
  options: ResolvedCacheOptions,
): RouteValidatorPlan {
  const chosen = { ...options.validators, ...cached?.validators };
  return {
    etag: chosen.etag,
    validators: {
      lastModified: chosen.lastModified,
      cacheControl: emittedCacheControl(chosen.cacheControl, {
        ttl: cached?.ttl ?? options.ttl,
        staleWhileRevalidate: cached?.staleWhileRevalidate ?? options.staleWhileRevalidate,
        staleIfError: cached?.staleIfError ?? options.staleIfError,
        perUser: cached?.scope === 'user',
      }),
      vary: cached?.vary ?? [],
    },
    honorRequestCacheControl: chosen.honorRequestCacheControl,
  };
}
