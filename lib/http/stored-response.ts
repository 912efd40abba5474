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
  /** Fastify: the body as it entered the `onSend` hooks; a hit is sent through them again. */
  throughSend?: boolean;
  /** The handler's value, serialized (`value.serializer.ts`), when it was kept. */
  value?: string;
  createdAt: number;
}

/**
 * An entry's body prefix: UTF-8 text, or base64 of binary bytes; `p` / `P` for a Fastify body
 * recorded as it entered the `onSend` hooks.
 */
const TEXT = 'b';
const BINARY = 'B';
const SEND_TEXT = 'p';
const SEND_BINARY = 'P';
/**
 * `V<length>:<serialized value>` before the body: the handler's value, kept for routes that other
 * interceptors wrap, so that on a hit they get what they get on a miss.
 */
const WITH_VALUE = 'V';
const PREFIXES = new Set([98, 66, 112, 80, 86]);

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
  value?: string,
): { payload: string; meta: ResponseMeta } {
  const send = captured.throughSend === true;
  const body =
    typeof captured.body === 'string'
      ? (send ? SEND_TEXT : TEXT) + captured.body
      : isUtf8(captured.body)
        ? (send ? SEND_TEXT : TEXT) + captured.body.toString('utf8')
        : (send ? SEND_BINARY : BINARY) + captured.body.toString('base64');
  const payload = value === undefined ? body : WITH_VALUE + value.length + ':' + value + body;
  return { payload, meta: { status: captured.status, headers } };
}

/** True for an entry that holds response bytes (every HTTP entry this version writes). */
export function holdsResponse(entry: CacheEntry): boolean {
  return entry.meta !== undefined && PREFIXES.has(entry.payload.charCodeAt(0));
}

/** The response an entry holds, decoded once per memoized entry object. */
export function storedResponse(entry: CacheEntry): StoredResponse {
  const memo = entry as CacheEntry & { response?: StoredResponse };
  if (memo.response) return memo.response;
  const { value, body: payload } = splitValue(entry.payload);
  const text = payload.slice(1);
  const first = payload.charCodeAt(0);
  const body = first === 66 || first === 80 ? Buffer.from(text, 'base64') : text;
  memo.response = {
    status: entry.meta!.status,
    headers: entry.meta!.headers,
    body,
    length: typeof body === 'string' ? Buffer.byteLength(body) : body.length,
    createdAt: entry.createdAt,
    throughSend: first === 112 || first === 80,
    value,
  };
  return memo.response;
}

/** The serialized value an entry keeps before its body, if any, and the body part. */
export function splitValue(payload: string): { value?: string; body: string } {
  if (payload.charCodeAt(0) !== 86 /* V */) return { body: payload };
  const colon = payload.indexOf(':');
  const length = Number(payload.slice(1, colon));
  const start = colon + 1;
  return { value: payload.slice(start, start + length), body: payload.slice(start + length) };
}

function sameHeader(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (b === undefined || a === undefined) return false;
  return String(a) === String(b);
}
