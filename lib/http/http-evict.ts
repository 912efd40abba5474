import { CallHandler, ExecutionContext, Logger } from '@nestjs/common';
import { from, mergeMap, Observable } from 'rxjs';
import { CacheEngine } from '../core/cache.engine';
import { messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { CacheEvictMetadata } from '../metadata/cached-metadata';
import { renderAll } from './http-context';
import { HttpResponseLike } from './http-response';
import { userIdentity } from './user-identity';

const logger = new Logger('CacheModule');

/**
 * `@CacheEvict` on a handler: evicts after a 2xx response (or before the handler with
 * `before: true`). A handler that throws evicts nothing; a failed eviction fails the request, so
 * the writer's client knows the cache may still hold the old value. With `scope: 'user'` the keys
 * name the current user's own entries (`@Cached({ scope: 'user' })`).
 */
export function evictAround(
  meta: CacheEvictMetadata,
  ctx: ExecutionContext,
  next: CallHandler,
  engine: CacheEngine,
  options: ResolvedCacheOptions,
  inner: () => Observable<unknown>,
): Observable<unknown> {
  if (meta.before) {
    return from(evict(meta, ctx, engine, options)).pipe(mergeMap(() => inner()));
  }
  const res = ctx.switchToHttp().getResponse<HttpResponseLike>();
  return inner().pipe(
    mergeMap(async (value) => {
      if (res.statusCode >= 200 && res.statusCode < 300) await evict(meta, ctx, engine, options);
      return value;
    }),
  );
}

function evict(
  meta: CacheEvictMetadata,
  ctx: ExecutionContext,
  engine: CacheEngine,
  options: ResolvedCacheOptions,
) {
  if (meta.all) return engine.clear();
  const tags = renderAll(meta.tags, ctx);
  if (meta.scope !== 'user') return engine.evict(renderAll(meta.keys, ctx), tags);
  const user = userIdentity(ctx, options.userKey, (message) => logger.warn(message(meta.where)));
  if (user === undefined) {
    logger.warn(messages.evictUserScopeWithoutUser(meta.where));
    return engine.evict([], tags);
  }
  return engine.evict(renderAll(meta.keys, ctx), tags, user);
}
