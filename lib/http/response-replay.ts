import type { ServerResponse } from 'node:http';
import { StoredResponse } from './stored-response';

/** Express's and Fastify's response objects, as far as replaying needs them. */
interface ReplayTarget {
  raw?: ServerResponse;
  hijack?: () => unknown;
  getHeaders(): Record<string, unknown>;
}

/** The methods Nest (or an app) calls to send a response, on Express and on Fastify. */
const EXPRESS_SENDERS = ['send', 'json', 'jsonp', 'render', 'redirect'] as const;
const FASTIFY_SENDERS = ['send', 'view', 'redirect'] as const;

/**
 * Arranges for `stored` to be sent as it was stored when Nest sends the route's response: every
 * method Nest (and an outer interceptor) may call to send (`send`, `json`, `render`, `redirect`,
 * Fastify's `view`) writes the stored status, headers and bytes instead, once. Nothing serializes
 * again, so no serializer, hook, schema or view engine runs twice or differently; headers this
 * request's middleware set stay, the stored ones are applied over them (`Vary` is merged).
 * Express: written through the response's own `end`, so transport layers (compression) still
 * apply. Fastify: the reply is hijacked and the bytes written to `reply.raw`, as they went out.
 */
export function replayOnSend(
  res: ReplayTarget,
  stored: StoredResponse,
  ifNoneMatch: string | undefined,
): void {
  const fastify = typeof res.hijack === 'function' && res.raw !== undefined;
  const senders = fastify ? FASTIFY_SENDERS : EXPRESS_SENDERS;
  let sent = false;
  const send = function (this: unknown) {
    if (!sent) {
      sent = true;
      if (fastify) writeFastify(res, stored, ifNoneMatch);
      else writeExpress(res as unknown as ServerResponse, stored, ifNoneMatch);
    }
    return res;
  };
  for (const name of senders) (res as unknown as Record<string, unknown>)[name] = send;
}

function writeExpress(raw: ServerResponse, stored: StoredResponse, ifNoneMatch?: string): void {
  const current = raw.getHeaders();
  const headers = merged(current, stored.headers);
  for (const name of Object.keys(stored.headers)) raw.setHeader(name, headers[name] as string);
  const notModified = isNotModified(stored, ifNoneMatch);
  raw.statusCode = notModified ? 304 : stored.status;
  if (notModified) {
    dropContentHeaders((name) => raw.removeHeader(name));
    raw.end();
  } else {
    raw.setHeader('content-length', stored.length);
    raw.end(stored.body);
  }
}

function writeFastify(res: ReplayTarget, stored: StoredResponse, ifNoneMatch?: string): void {
  res.hijack!();
  const raw = res.raw!;
  const headers = merged(res.getHeaders(), stored.headers);
  if (isNotModified(stored, ifNoneMatch)) {
    dropContentHeaders((name) => delete headers[name]);
    raw.writeHead(304, headers as Record<string, string>);
    raw.end();
    return;
  }
  headers['content-length'] = String(stored.length);
  raw.writeHead(stored.status, headers as Record<string, string>);
  raw.end(stored.body);
}

/**
 * This request's headers (`current`, a fresh copy from `getHeaders()`, completed in place) with
 * the stored ones over them; `Vary` lists merged.
 */
function merged(
  current: Record<string, unknown>,
  stored: Record<string, string | string[]>,
): Record<string, unknown> {
  const vary = current.vary;
  for (const name in stored) current[name] = stored[name];
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

/**
 * As Express answers a fresh conditional request: a stored 2xx whose `ETag` matches
 * `If-None-Match` (weak comparison, a list, `*`) is a `304`. Fastify apps that send ETags
 * (`@fastify/etag`) answer the same way.
 */
function isNotModified(stored: StoredResponse, ifNoneMatch: string | undefined): boolean {
  if (ifNoneMatch === undefined || stored.status < 200 || stored.status >= 300) return false;
  const etag = stored.headers['etag'];
  if (typeof etag !== 'string') return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = bare(etag);
  return ifNoneMatch.split(',').some((tag) => bare(tag) === wanted);
}

function dropContentHeaders(drop: (name: string) => void): void {
  for (const name of ['content-type', 'content-length', 'content-encoding', 'transfer-encoding']) {
    drop(name);
  }
}
