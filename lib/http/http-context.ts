import { ExecutionContext } from '@nestjs/common';
import { KeySource, renderKey } from '../metadata/cached-metadata';
import { HttpRequestLike } from '../keys/http-key';

/** What `{params.id}`, `{query.page}`, `{headers.x}` and `{user.id}` placeholders read from. */
export function templateRoot(req: HttpRequestLike) {
  return { params: req.params, query: req.query, headers: req.headers, user: req.user };
}

/** Renders HTTP keys or tags: templates from the request, functions given the context. */
export function renderAll(sources: readonly KeySource[], ctx: ExecutionContext): string[] {
  if (sources.length === 0) return [];
  const root = templateRoot(ctx.switchToHttp().getRequest());
  return sources.map((source) => renderKey(source, root, [ctx]));
}
