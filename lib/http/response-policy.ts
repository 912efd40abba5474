import { StreamableFile } from '@nestjs/common';
import { ResponseMeta } from '../core/cache-entry';
import { headersOf, HttpResponseLike } from './http-response';

/** Headers never stored: per-connection, per-response, or our own. */
const NEVER_STORED = new Set([
  'set-cookie',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'etag',
  'age',
  'date',
]);

/**
 * The status and the headers the handler set (those that differ from `before`, taken just before
 * it ran), leaving out cookies, hop-by-hop headers and the cache's own header.
 */
export function captureMeta(
  res: HttpResponseLike,
  before: Record<string, unknown>,
  ownHeader: string | false,
  after: Record<string, unknown> = headersOf(res),
): ResponseMeta {
  const headers: Record<string, string | string[]> = {};
  const own = ownHeader === false ? '' : ownHeader.toLowerCase();
  for (const name of Object.keys(after)) {
    const value = after[name];
    if (value === undefined || value === before[name] || NEVER_STORED.has(name) || name === own) {
      continue;
    }
    headers[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return { status: res.statusCode, headers };
}

/**
 * Whether a response may be stored: an allowed status, no cookie, no `Cache-Control: no-store` or
 * `private`, no `Vary: *`, and not a stream.
 */
export function isStorableResponse(
  res: HttpResponseLike,
  value: unknown,
  statuses: ReadonlySet<number>,
  headers: Record<string, unknown> = headersOf(res),
): boolean {
  if (!statuses.has(res.statusCode) || value instanceof StreamableFile) return false;
  if (headers['set-cookie'] !== undefined) return false;
  const cacheControl = String(headers['cache-control'] ?? '').toLowerCase();
  if (/(^|[\s,])(no-store|private)(\s*=|\s*,|\s*$)/.test(cacheControl)) return false;
  const vary = String(headers['vary'] ?? '');
  return !/(^|,)\s*\*\s*(,|$)/.test(vary);
}
