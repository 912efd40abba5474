import { HttpRequestLike } from '../keys/http-key';
import { StoredResponse } from './stored-response';

/** The validators a request sent, unless it asked to skip caches (`Cache-Control: no-cache`). */
export interface Conditional {
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

const NONE: Conditional = {};

export function conditionalOf(headers: HttpRequestLike['headers']): Conditional {
  const ifNoneMatch = headers['if-none-match'];
  const ifModifiedSince = headers['if-modified-since'];
  if (ifNoneMatch === undefined && ifModifiedSince === undefined) return NONE;
  if (/no-cache/i.test(String(headers['cache-control'] ?? ''))) return NONE;
  return {
    ifNoneMatch: typeof ifNoneMatch === 'string' ? ifNoneMatch : undefined,
    ifModifiedSince: typeof ifModifiedSince === 'string' ? ifModifiedSince : undefined,
  };
}

/**
 * As the uncached app answers a conditional request (`headers`: the hit's, stored and this
 * request's own, such as a `@Header('Last-Modified')`): a stored 2xx whose `ETag` matches
 * `If-None-Match` (weak comparison, a list, `*`) is a `304`; on Express (`res.send`'s freshness
 * check) also one whose `Last-Modified` is not after `If-Modified-Since`, when there is no
 * `If-None-Match`.
 */
export function isNotModified(
  stored: StoredResponse,
  headers: Record<string, unknown>,
  conditional: Conditional,
  checksModifiedSince: boolean,
): boolean {
  if (conditional === NONE || stored.status < 200 || stored.status >= 300) return false;
  const { ifNoneMatch, ifModifiedSince } = conditional;
  if (ifNoneMatch !== undefined) {
    const etag = headers['etag'];
    if (typeof etag !== 'string') return false;
    if (ifNoneMatch.trim() === '*') return true;
    const bare = (tag: string) => tag.trim().replace(/^W\//, '');
    const wanted = bare(etag);
    return ifNoneMatch.split(',').some((tag) => bare(tag) === wanted);
  }
  if (!checksModifiedSince || ifModifiedSince === undefined) return false;
  const lastModified = headers['last-modified'];
  if (typeof lastModified !== 'string') return false;
  const since = Date.parse(ifModifiedSince);
  const modified = Date.parse(lastModified);
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}
