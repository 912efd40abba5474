import { CallHandler, ExecutionContext } from '@nestjs/common';
import type { EntryKey } from '../core/store-keys';
import { HttpRequestLike } from '../keys/http-key';
import { HttpResponseLike } from './http-response';
import { RoutePlan } from './route-plan';

/** One request to a cached route, once its key is known. */
export interface HttpCall {
  plan: RoutePlan;
  ctx: ExecutionContext;
  next: CallHandler;
  req: HttpRequestLike;
  res: HttpResponseLike;
  key: string;
  /** The user of a `scope: 'user'` request: the entry lives in that user's own key space. */
  user?: string;
  /** The request said `Cache-Control: no-store` (with `honorRequestCacheControl`): store nothing. */
  noStore?: boolean;
  /** Where `key` lives in the store; worked out once, when the flow takes the call. */
  at?: EntryKey;
}
