import { ExecutionContext } from '@nestjs/common';
import { graphqlCallOfContext, graphqlRequest } from '../contexts/graphql-args';
import { errorText, messages } from '../errors/cache.messages';

/** Shows a warning about the route it is given; the caller decides how often. */
export type RouteWarning = (message: (where: string) => string) => void;

/**
 * The user of a request, from `userKey`: a non-empty string, or a finite number as text. Anything
 * else is no identity (`undefined`): an object (`ctx => req.user`) would make every user share
 * the entry `"[object Object]"`, so it is refused with a warning, and so is a callback that throws.
 */
export function userIdentity(
  ctx: ExecutionContext,
  userKey: (ctx: ExecutionContext) => unknown,
  warn: RouteWarning,
): string | undefined {
  let id: unknown;
  try {
    id = userKey(ctx);
  } catch (error) {
    warn((where) => messages.requestCallbackFailed(where, 'userKey', errorText(error)));
    return undefined;
  }
  if (id === undefined || id === null || id === '') return undefined;
  if (typeof id === 'string') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  const shown = typeof id === 'object' ? 'an object' : `${typeof id} ${String(id)}`;
  warn((where) => messages.userKeyNotId(where, shown));
  return undefined;
}

/**
 * The default `userKey`, by context type: HTTP `req.user.id ?? req.user.sub`; GraphQL
 * `context.req.user.id ?? .sub`; WebSocket `client.data.user.id ?? .sub`; RPC none (the message
 * payload is data a caller chose, never an identity).
 * @example
 * CacheModule.forRoot({ userKey: (ctx) => defaultUserKey(ctx) ?? tenantOf(ctx) });
 */
export function defaultUserKey(ctx: ExecutionContext): string | number | undefined {
  const user = userOf(ctx);
  return user?.id ?? user?.sub ?? undefined;
}

function userOf(
  ctx: ExecutionContext,
): { id?: string | number; sub?: string | number } | undefined {
  switch (ctx.getType<string>()) {
    case 'http':
      return ctx.switchToHttp().getRequest()?.user;
    case 'graphql':
      return graphqlRequest(graphqlCallOfContext(ctx))?.user;
    case 'ws':
      return ctx.switchToWs().getClient()?.data?.user;
    default:
      return undefined;
  }
}
