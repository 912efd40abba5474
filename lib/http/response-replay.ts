import type { ServerResponse } from 'node:http';
import { Conditional, isNotModified } from './conditional-request';
import { StoredResponse } from './stored-response';

/** Express's and Fastify's response objects, as far as replaying needs them. */
export interface ReplayTarget {
  raw?: ServerResponse;
  hijack?: () => unknown;
  statusCode: number;
  getHeaders(): Record<string, unknown>;
  code?(status: number): unknown;
  header?(name: string, value: unknown): unknown;
}

/** The methods Nest (or an app) calls to send a response, on Express and on Fastify. */
const EXPRESS_SENDERS = ['send', 'json', 'jsonp', 'render', 'redirect'] as const;
const FASTIFY_SENDERS = ['send', 'view', 'redirect'] as const;
/** The senders an exception filter uses: with an error status, they send the error. */
const ERROR_SENDERS: ReadonlySet<string> = new Set(['send', 'json', 'jsonp']);

/** How a hit goes out; see `replayOnSend`. */
export interface ReplayOptions {
  conditional: Conditional;
  /**
   * Other interceptors wrap the route: headers they set on this request after the hit was found
   * (a per-request stamp) are kept rather than replaced by the miss's.
   */
  observed: boolean;
}

/**
 * Arranges for `stored` to be sent as it was stored when Nest sends the route's response: the
 * methods Nest (and an outer interceptor) call to send (`send`, `json`, `render`, `redirect`,
 * Fastify's `view`) send the stored status, headers and bytes instead, once. Nothing serializes
 * again, so no serializer, schema or view engine runs twice or differently; headers this request's
 * middleware set stay, the stored ones are applied over them (`Vary` is merged). An error that an
 * outer interceptor throws after the hit still reaches the client: a send with another status than
 * the route's is the exception filter's, and goes out as it is.
 * - Express: written through the response's own `end`, so transport layers (compression, a
 *   session's cookie) apply to the hit as to the miss.
 * - Fastify, body recorded as it entered the `onSend` hooks: sent with `reply.send`, so those hooks
 *   (compression, ETag, cookies, request ids) run for this request.
 * - Fastify, body recorded at the socket: the reply is hijacked and the bytes written as they went
 *   out.
 */
export function replayOnSend(res: ReplayTarget, stored: StoredResponse, options: ReplayOptions) {
  const fastify = typeof res.hijack === 'function' && res.raw !== undefined;
  const senders = fastify ? FASTIFY_SENDERS : EXPRESS_SENDERS;
  const target = res as unknown as Record<string, (...args: unknown[]) => unknown>;
  const routeStatus = res.statusCode;
  const atHit = options.observed ? res.getHeaders() : undefined;
  const originals = senders.map((name) => target[name]);
  // Put back by assignment, not `delete`: deleting properties would turn the response object
  // into a slow dictionary for the rest of the request.
  const restore = () => {
    senders.forEach((name, i) => (target[name] = originals[i]));
  };
  let sent = false;
  for (const name of senders) {
    target[name] = function (this: unknown, ...args: unknown[]) {
      if (sent) return res;
      if (ERROR_SENDERS.has(name) && res.statusCode !== routeStatus) {
        restore();
        return target[name](...args);
      }
      sent = true;
      return sendStored(res, stored, options, atHit, restore);
    };
  }
}

/**
 * Sends `stored` now, over the headers this request has (`X-Cache` and `Age` included): what a
 * standard hit does when Nest sends, and what a fast-path hit does at once (one code for both,
 * so both answer alike). `atHit`: the headers when the hit was found, for observed routes.
 */
export function sendStored(
  res: ReplayTarget,
  stored: StoredResponse,
  options: ReplayOptions,
  atHit?: Record<string, unknown>,
  beforeFastifySend?: () => void,
): unknown {
  const fastify = typeof res.hijack === 'function' && res.raw !== undefined;
  const headers = merged(res.getHeaders(), stored.headers, atHit);
  if (!fastify) writeExpress(res as unknown as ServerResponse, stored, headers, options);
  else if (stored.throughSend && !isNotModified(stored, headers, options.conditional, false)) {
    beforeFastifySend?.();
    return sendThroughFastify(res, stored, headers);
  } else writeFastify(res, stored, headers, options);
  return res;
}

function writeExpress(
  raw: ServerResponse,
  stored: StoredResponse,
  headers: Record<string, unknown>,
  options: ReplayOptions,
): void {
  for (const name in stored.headers) raw.setHeader(name, headers[name] as string);
  if (isNotModified(stored, headers, options.conditional, true)) {
    raw.statusCode = 304;
    dropContentHeaders((name) => raw.removeHeader(name));
    raw.end();
    return;
  }
  raw.statusCode = stored.status;
  if (hasBody(stored.status)) raw.setHeader('content-length', stored.length);
  raw.end(stored.body);
}

function writeFastify(
  res: ReplayTarget,
  stored: StoredResponse,
  headers: Record<string, unknown>,
  options: ReplayOptions,
): void {
  res.hijack!();
  const raw = res.raw!;
  if (isNotModified(stored, headers, options.conditional, false)) {
    dropContentHeaders((name) => delete headers[name]);
    raw.writeHead(304, headers as Record<string, string>);
    raw.end();
    return;
  }
  if (hasBody(stored.status)) headers['content-length'] = String(stored.length);
  raw.writeHead(stored.status, headers as Record<string, string>);
  raw.end(stored.body);
}

/** The serialized body goes through Fastify's `onSend` hooks again, for this request. */
function sendThroughFastify(
  res: ReplayTarget,
  stored: StoredResponse,
  headers: Record<string, unknown>,
): unknown {
  res.code!(stored.status);
  for (const name in stored.headers) res.header!(name, headers[name]);
  return (res as unknown as { send(body: unknown): unknown }).send(stored.body);
}

/**
 * This request's headers (`current`, a fresh copy from `getHeaders()`, completed in place) with
 * the stored ones over them, except those an outer interceptor set after the hit (`atHit` is the
 * picture then); `Vary` lists merged.
 */
function merged(
  current: Record<string, unknown>,
  stored: Record<string, string | string[]>,
  atHit: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const vary = current.vary;
  for (const name in stored) {
    if (atHit !== undefined && current[name] !== undefined && current[name] !== atHit[name]) {
      continue;
    }
    current[name] = stored[name];
  }
  if (vary !== undefined && stored.vary !== undefined) {
    current.vary = [...new Set([...tokensKeepCase(vary), ...tokensKeepCase(stored.vary)])].join(
      ', ',
    );
  }
  return current;
}

function tokensKeepCase(value: unknown): string[] {
  const names = (Array.isArray(value) ? value.join(',') : String(value)).split(',');
  const seen = new Set<string>();
  return names
    .map((name) => name.trim())
    .filter((name) => {
      const lower = name.toLowerCase();
      if (name.length === 0 || seen.has(lower)) return false;
      seen.add(lower);
      return true;
    });
}

/** 1xx, 204 and 304 responses carry no body, and so no `Content-Length`. */
function hasBody(status: number): boolean {
  return status >= 200 && status !== 204 && status !== 304;
}

function dropContentHeaders(drop: (name: string) => void): void {
  for (const name of ['content-type', 'content-length', 'content-encoding', 'transfer-encoding']) {
    drop(name);
  }
}
