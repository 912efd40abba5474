import { CallHandler, ExecutionContext } from '@nestjs/common';
import { from, mergeMap, Observable } from 'rxjs';
import { CacheEngine } from '../core/cache.engine';
import { CacheEvictMetadata } from '../metadata/cached-metadata';
import { renderAll } from './http-context';
import { HttpResponseLike } from './http-response';

/**
 * `@CacheEvict` on a handler: evicts after a 2xx response (or before the handler with
 * `before: true`). A handler that throws evicts nothing; a failed eviction fails the request, so
 * the writer's client knows the cache may still hold the old value.
 */
export function evictAround(
  meta: CacheEvictMetadata,
  ctx: ExecutionContext,
  next: CallHandler,
  engine: CacheEngine,
  inner: () => Observable<unknown>,
): Observable<unknown> {
  if (meta.before) return from(evict(meta, ctx, engine)).pipe(mergeMap(() => inner()));
  const res = ctx.switchToHttp().getResponse<HttpResponseLike>();
  return inner().pipe(
    mergeMap(async (value) => {
      if (res.statusCode >= 200 && res.statusCode < 300) await evict(meta, ctx, engine);
      return value;
    }),
  );
}

function evict(meta: CacheEvictMetadata, ctx: ExecutionContext, engine: CacheEngine) {
  if (meta.all) return engine.clear();
  return engine.evict(renderAll(meta.keys, ctx), renderAll(meta.tags, ctx));
}
