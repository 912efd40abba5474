import { ExecutionContext } from '@nestjs/common';
import { defaultHttpKey, HttpRequestLike, varySuffix } from '../keys/http-key';
import { renderKey } from '../metadata/cached-metadata';
import { templateRoot } from './http-context';
import { RoutePlan } from './route-plan';

/**
 * A request's key on a cached route, before any key factory: the route's template (or function)
 * plus its `vary` values, else the default key. The standard path and the fast path both use it.
 * Throws what a key callback throws.
 */
export function routeKey(plan: RoutePlan, req: HttpRequestLike, ctx: () => ExecutionContext) {
  const cached = plan.cached!;
  return cached.key
    ? renderKey(cached.key, templateRoot(req), [ctx()]) + varySuffix(req, cached.vary)
    : defaultHttpKey(req, cached.vary, plan.route);
}
