import { ifNoneMatchHits } from './entity-tags';
import { parseHttpDate } from './http-date';

/** The entry header facts an answer depends on (see `stored-response.ts`). */
export interface EntryHead {
  status: number;
  /** The stored headers: the handler's, and the entity tag computed when the entry was stored. */
  headers: Readonly<Record<string, string | string[]>>;
  /** Epoch ms the entry was created (the miss's own time on a MISS). */
  createdAt: number;
}

/** A route's validator settings, worked out once per route (`route-plan.ts`). */
export interface RouteValidators {
  /** Send `Last-Modified` = the entry's creation time when the handler set none. */
  lastModified: boolean;
  /** The `Cache-Control` the cache emits, unless the response has its own. */
  cacheControl?: string;
  /** Request header names the route keys on (`vary`), sent in `Vary`. */
  vary: readonly string[];
}

/** The request facts an answer depends on. */
export interface CachedRequest {
  method: string;
  headers: Record<string, unknown>;
}

export type AnswerLabel = 'MISS' | 'HIT' | 'STALE';

/** What a cached response carries for one request. */
export interface CachedAnswer {
  /** The stored status, or `304`. */
  status: number;
  notModified: boolean;
  /** The entry's `ETag` (already among the stored headers a hit replays). */
  etag?: string;
  /** Set over whatever the response already has (`Age`, an emitted `Last-Modified`). */
  headers: Record<string, string>;
  /** Set only when the response has no `Cache-Control` of its own. */
  cacheControl?: string;
  /** Merged into the response's `Vary`, case-insensitively (`*` wins). */
  vary: readonly string[];
}

/**
 * The one decision about a cached answer, shared by the miss that stored it, hits, stale hits
 * and the fast path: which status (the stored one or `304`) and which cache headers it carries.
 * Pure: it reads only the entry header, the request, the route's settings and `now`.
 * - `ETag`: the stored one (the handler's, or the one computed when the entry was stored).
 * - `Age`: whole seconds since the entry was created, on HIT and STALE, never on MISS.
 * - `Last-Modified`: the handler's, else the creation time with `lastModified`.
 * - `304` for a GET/HEAD of a stored 2xx when `If-None-Match` matches the ETag (weak
 *   comparison, a list, `*`), or, without `If-None-Match`, when `If-Modified-Since` is not before
 *   `Last-Modified`; never when the request says `Cache-Control: no-cache` (an end-to-end
 *   reload, as Express's `fresh`).
 * @example
 * const answer = cachedAnswer(head, { method: 'GET', headers: req.headers }, plan.validators, Date.now(), 'HIT');
 * if (answer.notModified) // send 304 without a body
 */
export function cachedAnswer(
  entry: EntryHead,
  request: CachedRequest,
  route: RouteValidators,
  now: number,
  label: AnswerLabel,
): CachedAnswer {
  const headers: Record<string, string> = {};
  const etag = single(entry.headers['etag']);
  let lastModified = single(entry.headers['last-modified']);
  if (lastModified === undefined && route.lastModified) {
    lastModified = headers['last-modified'] = new Date(entry.createdAt).toUTCString();
  }
  if (label !== 'MISS') {
    headers['age'] = String(Math.max(0, Math.floor((now - entry.createdAt) / 1000)));
  }
  const notModified = isNotModified(entry.status, request, etag, lastModified);
  return {
    status: notModified ? 304 : entry.status,
    notModified,
    etag,
    headers,
    cacheControl: route.cacheControl,
    vary: route.vary,
  };
}

function isNotModified(
  status: number,
  request: CachedRequest,
  etag: string | undefined,
  lastModified: string | undefined,
): boolean {
  if (status < 200 || status >= 300) return false;
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const { headers } = request;
  const ifNoneMatch = single(headers['if-none-match']);
  const ifModifiedSince = single(headers['if-modified-since']);
  if (ifNoneMatch === undefined && ifModifiedSince === undefined) return false;
  if (/(^|[\s,])no-cache(\s*[,=]|\s*$)/i.test(String(headers['cache-control'] ?? ''))) return false;
  if (ifNoneMatch !== undefined) return etag !== undefined && ifNoneMatchHits(ifNoneMatch, etag);
  if (lastModified === undefined) return false;
  const since = parseHttpDate(ifModifiedSince!);
  const modified = Date.parse(lastModified);
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

/** Where an answer is applied: a header record, Node's response, a Fastify reply. */
export interface HeaderSink {
  get(name: string): unknown;
  set(name: string, value: string): void;
  remove(name: string): void;
}

/** Headers a `304` does not carry: the representation's `Content-*` (not `Content-Location`). */
const NOT_ON_304 = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-range',
  'content-disposition',
  'content-md5',
  'transfer-encoding',
];

/**
 * Applies an answer's headers to a response that already holds the stored ones (`ETag`
 * included) and this request's own: sets `Age` / `Last-Modified`, `Cache-Control` unless one is there,
 * merges `Vary`, and for a `304` removes the `Content-*` headers.
 */
export function applyAnswer(answer: CachedAnswer, sink: HeaderSink): void {
  for (const name in answer.headers) sink.set(name, answer.headers[name]);
  if (answer.cacheControl !== undefined && sink.get('cache-control') === undefined) {
    sink.set('cache-control', answer.cacheControl);
  }
  if (answer.vary.length > 0) sink.set('vary', mergeVary(sink.get('vary'), answer.vary));
  if (answer.notModified) dropRepresentation(sink);
}

/** Removes what a `304` does not carry: the representation's `Content-*` headers. */
export function dropRepresentation(sink: HeaderSink): void {
  for (const name of NOT_ON_304) sink.remove(name);
}

/**
 * `applyAnswer` on a header record (a hit's: the request's own headers with the stored ones over
 * them), kept free of closures for the hit path. Returns the names it set; on a `304` the
 * `Content-*` names are gone from the record (see `NOT_ON_304_HEADERS`).
 */
export function applyAnswerTo(answer: CachedAnswer, headers: Record<string, unknown>): string[] {
  const names: string[] = [];
  for (const name in answer.headers) {
    headers[name] = answer.headers[name];
    names.push(name);
  }
  if (answer.cacheControl !== undefined && headers['cache-control'] === undefined) {
    headers['cache-control'] = answer.cacheControl;
    names.push('cache-control');
  }
  if (answer.vary.length > 0) {
    headers['vary'] = mergeVary(headers['vary'], answer.vary);
    names.push('vary');
  }
  if (answer.notModified) for (const name of NOT_ON_304) delete headers[name];
  return names;
}

/** The headers a `304` drops. */
export const NOT_ON_304_HEADERS: readonly string[] = NOT_ON_304;

/** `Vary` values merged case-insensitively, first spelling kept; `*` wins. */
export function mergeVary(current: unknown, names: readonly string[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (name: string) => {
    const trimmed = name.trim();
    const lower = trimmed.toLowerCase();
    if (trimmed.length === 0 || seen.has(lower)) return;
    seen.add(lower);
    out.push(trimmed);
  };
  if (current !== undefined && current !== null) {
    const text = Array.isArray(current) ? current.join(',') : String(current);
    for (const name of text.split(',')) add(name);
  }
  for (const name of names) add(name);
  return seen.has('*') ? '*' : out.join(', ');
}

function single(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? (value.length > 0 ? String(value[0]) : undefined) : String(value);
}
