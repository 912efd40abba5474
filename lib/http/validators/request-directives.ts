/** What a request's own `Cache-Control` (or `Pragma`) asks of the cache. */
export interface RequestDirectives {
  /** `no-cache`, `max-age=0`, or `Pragma: no-cache` alone: do not answer from the cache. */
  skipRead: boolean;
  /** `no-store`: answer from the cache if it can, but store nothing from this request. */
  noStore: boolean;
  /** `only-if-cached`: answer from the cache or with `504`, never run the handler. */
  onlyIfCached: boolean;
}

export const NO_DIRECTIVES: RequestDirectives = Object.freeze({
  skipRead: false,
  noStore: false,
  onlyIfCached: false,
});

/**
 * The directives of a request (RFC 9111 §5.2.1), read only for routes with
 * `honorRequestCacheControl`. `Pragma: no-cache` counts only without a `Cache-Control` header.
 * @example
 * requestDirectives({ 'cache-control': 'max-age=0' }) // { skipRead: true, … }
 */
export function requestDirectives(headers: Record<string, unknown>): RequestDirectives {
  const cacheControl = headers['cache-control'];
  if (cacheControl === undefined) {
    const pragma = headers['pragma'];
    if (pragma !== undefined && /(^|[\s,])no-cache(\s*,|\s*$)/i.test(String(pragma))) {
      return { skipRead: true, noStore: false, onlyIfCached: false };
    }
    return NO_DIRECTIVES;
  }
  const out = { skipRead: false, noStore: false, onlyIfCached: false };
  const text = Array.isArray(cacheControl) ? cacheControl.join(',') : String(cacheControl);
  for (const part of text.split(',')) {
    const [rawName, rawValue] = part.split('=');
    const name = rawName.trim().toLowerCase();
    if (name === 'no-cache') out.skipRead = true;
    else if (name === 'no-store') out.noStore = true;
    else if (name === 'only-if-cached') out.onlyIfCached = true;
    else if (name === 'max-age' && /^"?0+"?$/.test((rawValue ?? '').trim())) out.skipRead = true;
  }
  return out;
}
