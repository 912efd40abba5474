import type { ServerResponse } from 'node:http';
import { StoredResponse } from './stored-response';
import {
  applyAnswerTo,
  CachedAnswer,
  mergeVary,
  NOT_ON_304_HEADERS,
} from './validators/cached-answer';

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
/**
 * What Nest calls on a route that no other interceptor wraps and that has no `@Render()`,
 * `@Redirect()` or `@Sse()`: its `reply`, that is `send` (the hit's value is `undefined`).
 */
const SEND_ONLY = ['send'] as const;
/** The senders an exception filter uses: with an error status, they send the error. */
const ERROR_SENDERS: ReadonlySet<string> = new Set(['send', 'json', 'jsonp']);
/** Nest's metadata keys of the handlers it answers otherwise than with `reply`. */
const OTHER_ANSWERS = ['__renderTemplate__', '__redirect__', '__sse__'];

/** Per handler: Nest sends its result with `reply` (`send`) only. */
const sendsWithReply = new WeakMap<Function, boolean>();

/** True when Nest answers `handler`'s requests with `reply` (no render, redirect or SSE). */
function repliesWithSend(handler: Function): boolean {
  let known = sendsWithReply.get(handler);
  if (known === undefined) {
    known = OTHER_ANSWERS.every((key) => Reflect.getMetadata(key, handler) === undefined);
    sendsWithReply.set(handler, known);
  }
  return known;
}

/** How a hit goes out; see `replayOnSend`. */
export interface ReplayOptions {
  /** Status and cache headers for this request (`cachedAnswer`): `304` or the stored status. */
  answer: CachedAnswer;
  /**
   * Other interceptors wrap the route: headers they set on this request after the hit was found
   * (a per-request stamp) are kept rather than replaced by the miss's.
   */
  observed: boolean;
  /**
   * The route's handler: when no other interceptor wraps it and Nest sends its result with
   * `reply`, only `send` is taken over (fewer properties written on the response per hit).
   */
  handler?: Function;
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
  const senders =
    !options.observed && options.handler !== undefined && repliesWithSend(options.handler)
      ? SEND_ONLY
      : fastify
        ? FASTIFY_SENDERS
        : EXPRESS_SENDERS;
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
      return sendStored(res, stored, options.answer, atHit, restore);
    };
  }
}

/**
 * Sends `stored` now with this request's `answer` (`cachedAnswer`: status or `304`, `ETag`, `Age`,
 * cache headers) over the headers the request has (`X-Cache` included): what a standard hit does
 * when Nest sends, and what a fast-path hit does at once (one code for both, so both answer
 * alike). `atHit`: the headers when the hit was found, for observed routes.
 */
export function sendStored(
  res: ReplayTarget,
  stored: StoredResponse,
  answer: CachedAnswer,
  atHit?: Record<string, unknown>,
  beforeFastifySend?: () => void,
): unknown {
  const fastify = typeof res.hijack === 'function' && res.raw !== undefined;
  if (!fastify) {
    writeExpress(res as unknown as ServerResponse, stored, answer, atHit);
  } else if (stored.throughSend && !answer.notModified) {
    beforeFastifySend?.();
    return sendThroughFastify(res, stored, answer, atHit);
  } else {
    const headers = merged(res.getHeaders(), stored.headers, atHit);
    applyAnswerTo(answer, headers);
    writeFastify(res, stored, headers, answer);
  }
  return res;
}

/** Reads and writes one response header: Node's response (Express) or a Fastify reply. */
interface HeaderAccess<T> {
  get(res: T, name: string): unknown;
  set(res: T, name: string, value: unknown): void;
}

const NODE_HEADERS: HeaderAccess<ServerResponse> = {
  get: (res, name) => res.getHeader(name),
  set: (res, name, value) => res.setHeader(name, value as string),
};

const REPLY_HEADERS: HeaderAccess<ReplayTarget> = {
  get: (res, name) => (res as unknown as { getHeader(name: string): unknown }).getHeader(name),
  set: (res, name, value) => res.header!(name, value),
};

/**
 * Puts the stored headers over the response's own, then the answer's (`applyAnswerTo` done on
 * the response itself, with no copy of its headers): what `merged` and `applyAnswerTo` make of
 * a header record, in the same order. Headers an outer interceptor set after the hit (they
 * differ from `atHit`) stay; `Vary` lists are merged.
 */
function putHeaders<T>(
  access: HeaderAccess<T>,
  res: T,
  stored: StoredResponse,
  answer: CachedAnswer,
  atHit: Record<string, unknown> | undefined,
): void {
  const headers = stored.headers;
  for (const name in headers) {
    const value = headers[name];
    if (name === 'vary') {
      const vary = access.get(res, 'vary');
      const names = Array.isArray(value) ? value.join(',') : value;
      access.set(res, 'vary', vary === undefined ? value : mergeVary(vary, names.split(',')));
      continue;
    }
    if (atHit !== undefined) {
      const current = access.get(res, name);
      if (current !== undefined && current !== atHit[name]) continue;
    }
    access.set(res, name, value);
  }
  const own = answer.headers;
  for (const name in own) access.set(res, name, own[name]);
  if (answer.cacheControl !== undefined && access.get(res, 'cache-control') === undefined) {
    access.set(res, 'cache-control', answer.cacheControl);
  }
  if (answer.vary.length > 0) {
    access.set(res, 'vary', mergeVary(access.get(res, 'vary'), answer.vary));
  }
}

function writeExpress(
  raw: ServerResponse,
  stored: StoredResponse,
  answer: CachedAnswer,
  atHit: Record<string, unknown> | undefined,
): void {
  putHeaders(NODE_HEADERS, raw, stored, answer, atHit);
  if (answer.notModified) {
    for (const name of NOT_ON_304_HEADERS) raw.removeHeader(name);
    raw.statusCode = 304;
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
  answer: CachedAnswer,
): void {
  res.hijack!();
  const raw = res.raw!;
  if (answer.notModified) {
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
  answer: CachedAnswer,
  atHit: Record<string, unknown> | undefined,
): unknown {
  res.code!(stored.status);
  putHeaders(REPLY_HEADERS, res, stored, answer, atHit);
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
    const names = Array.isArray(stored.vary) ? stored.vary.join(',') : stored.vary;
    current.vary = mergeVary(vary, names.split(','));
  }
  return current;
}

/** 1xx, 204 and 304 responses carry no body, and so no `Content-Length`. */
function hasBody(status: number): boolean {
  return status >= 200 && status !== 204 && status !== 304;
}
