import { ExecutionContext } from '@nestjs/common';
import { graphqlCallOfContext, graphqlRequest } from '../contexts/graphql-args';

/**
 * The default `userKey`, by context type: HTTP `req.user.id ?? req.user.sub`; GraphQL
 * `context.req.user.id ?? .sub`; WebSocket `client.data.user.id ?? .sub`; RPC none (the message
 * payload is data a caller chose, never an identity). Returned as it is: what is not a string or
 * a finite number (an object id) is refused where it is used, never turned into text. Lives
 * outside `lib/core` so the core depends on no context folder: `CacheModule` hands it to
 * `resolveOptions`.
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
