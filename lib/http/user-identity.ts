import { ExecutionContext } from '@nestjs/common';
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

export { defaultUserKey } from '../identity/default-user-key';
