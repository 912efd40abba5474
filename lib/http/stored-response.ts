import { isUtf8 } from 'node:buffer';
import { CacheEntry, ResponseMeta } from '../core/cache-entry';
import { CapturedResponse } from './response-capture';

/** A response ready to be replayed: status, the headers to put back, the body bytes. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /**
   * The body: its text when it is UTF-8 (Node.js then writes headers and body in one piece),
   * else its bytes.
   */
  body: string | Buffer;
  /** The body's length in bytes. */
  length: number;
  createdAt: number;
}

/** An entry's body prefix: UTF-8 text, or base64 of binary bytes. */
const TEXT = 'b';
const BINARY = 'B';

/** Headers never stored: per-connection, per-response, or recomputed on replay. */
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
  'age',
  'date',
]);

/**
 * The headers a captured response adds to those that stood before the handler ran (`before`):
 * what the handler, the app's serializers, hooks and view engine set. Headers a middleware set
 * before the handler, and left as they were, belong to each request and are not stored.
 */
export function handlerHeaders(
  captured: Record<string, unknown>,
  before: Record<string, unknown>,
  ownHeader: string | false,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const own = ownHeader === false ? '' : ownHeader.toLowerCase();
  for (const name of Object.keys(captured)) {
    const value = captured[name];
    if (value === undefined || NEVER_STORED.has(name) || name === own) continue;
    if (sameHeader(value, before[name])) continue;
    headers[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return headers;
}

/** The entry parts of a captured response: its body as the payload, status and headers as meta. */
export function toEntryParts(
  captured: CapturedResponse,
  headers: Record<string, string | string[]>,
): { payload: string; meta: ResponseMeta } {
  const payload = isUtf8(captured.body)
    ? TEXT + captured.body.toString('utf8')
    : BINARY + captured.body.toString('base64');
  return { payload, meta: { status: captured.status, headers } };
}

/** True for an entry that holds response bytes (every HTTP entry this version writes). */
export function holdsResponse(entry: CacheEntry): boolean {
  const first = entry.payload.charCodeAt(0);
  return entry.meta !== undefined && (first === 98 /* b */ || first === 66); /* B */
}

/** The response an entry holds, decoded once per memoized entry object. */
export function storedResponse(entry: CacheEntry): StoredResponse {
  const memo = entry as CacheEntry & { response?: StoredResponse };
  if (memo.response) return memo.response;
  const text = entry.payload.slice(1);
  const body = entry.payload.charCodeAt(0) === 66 ? Buffer.from(text, 'base64') : text;
  memo.response = {
    status: entry.meta!.status,
    headers: entry.meta!.headers,
    body,
    length: typeof body === 'string' ? Buffer.byteLength(body) : body.length,
    createdAt: entry.createdAt,
  };
  return memo.response;
}

function sameHeader(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (b === undefined || a === undefined) return false;
  return String(a) === String(b);
}
