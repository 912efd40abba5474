import { CapturedResponse } from './response-capture';

import type { NotStoredReason as CountedReason } from '../core/source.counter';

/** Why a response was sent but not stored. */
export type NotStoredReason =
  'status' | 'cookie' | 'no_store' | 'private' | 'vary' | 'encoded' | 'nonce';

/**
 * The reason counted in metrics (a fixed set) for what `whyNotStorable` found: a body holding this
 * request's CSP nonce is made for this request only (`private`); a `Content-Encoding` applied after
 * the handler depends on the request's `Accept-Encoding`, which the key ignores (`vary`).
 */
export function notStoredReason(refused: NotStored): CountedReason {
  if (refused.reason === 'nonce') return 'private';
  if (refused.reason === 'encoded') return 'vary';
  return refused.reason;
}

export interface StorePolicy {
  statuses: ReadonlySet<number>;
  /** Per-user entries may store `Cache-Control: private`. */
  perUser: boolean;
  /** Lower-case request headers the route's key depends on. */
  keyedHeaders: ReadonlySet<string>;
  /**
   * `Vary` names the route declares with `@Header('Vary', …)`: Nest sets them before the handler
   * runs, like a middleware would, but they are the handler's.
   */
  declaredVary: ReadonlySet<string>;
}

export interface NotStored {
  reason: NotStoredReason;
  /** The request header a `Vary` named that the key does not depend on. */
  header?: string;
}

const NO_STORE =
  /(^|[\s,])(no-store|no-cache(\s*=\s*"[^"]*")?|max-age\s*=\s*"?0+"?|s-maxage\s*=\s*"?0+"?)(\s*,|\s*$)/;
const PRIVATE = /(^|[\s,])private(\s*=|\s*,|\s*$)/;

/**
 * Whether a response that went out may be stored, decided on its final headers (late cookies from
 * a session or an `onSend` hook included): an allowed status; no `Set-Cookie`; no
 * `Cache-Control: no-store / no-cache / max-age=0 / s-maxage=0` nor `Surrogate-Control: no-store`;
 * `private` only in a per-user entry; no `Vary` on a request header the key does not depend on
 * (`Accept-Encoding` aside, and a `Vary` a middleware set before the handler aside); no
 * `Content-Encoding` that something after the handler applied (it would reach clients that did not
 * ask for it); no body that holds this request's CSP nonce (a middleware made it for this request:
 * replayed to another, the page's scripts would be blocked).
 * @param before headers that stood before the handler ran
 * @param handled headers that stood when the handler's value came out
 */
export function whyNotStorable(
  captured: CapturedResponse,
  before: Record<string, unknown>,
  handled: Record<string, unknown>,
  policy: StorePolicy,
): NotStored | undefined {
  const final = captured.finalHeaders;
  if (!policy.statuses.has(captured.status)) return { reason: 'status' };
  if (final['set-cookie'] !== undefined) return { reason: 'cookie' };
  const cacheControl = text(final['cache-control']);
  if (NO_STORE.test(cacheControl) || /no-store/.test(text(final['surrogate-control']))) {
    return { reason: 'no_store' };
  }
  if (!policy.perUser && PRIVATE.test(cacheControl)) return { reason: 'private' };
  const header = unkeyedVary(final['vary'], before['vary'], policy);
  if (header !== undefined) return { reason: 'vary', header };
  if (carriesRequestNonce(before, captured.body)) return { reason: 'nonce' };
  const encoding = captured.headers['content-encoding'];
  if (
    encoding !== undefined &&
    handled['content-encoding'] === undefined &&
    before['content-encoding'] === undefined
  ) {
    return { reason: 'encoded' };
  }
  return undefined;
}

const NONCE = /'nonce-([^']+)'/g;

/** The body holds a nonce that this request's middleware put in its Content-Security-Policy. */
function carriesRequestNonce(before: Record<string, unknown>, body: Buffer | string): boolean {
  const policy = [before['content-security-policy'], before['content-security-policy-report-only']]
    .filter((value) => value !== undefined)
    .join(';');
  if (policy === '') return false;
  for (const match of policy.matchAll(NONCE)) if (body.includes(match[1])) return true;
  return false;
}

/** A request header the response varies on that the key ignores (`*` for `Vary: *`). */
function unkeyedVary(vary: unknown, before: unknown, policy: StorePolicy): string | undefined {
  if (vary === undefined) return undefined;
  const middleware = new Set(tokens(before).filter((name) => !policy.declaredVary.has(name)));
  for (const name of tokens(vary)) {
    if (name === '*') return '*';
    if (name === 'accept-encoding' || middleware.has(name) || policy.keyedHeaders.has(name)) {
      continue;
    }
    return name;
  }
  return undefined;
}

/** Header names in a `Vary` value (or several), lower-cased. */
export function tokens(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const joined = Array.isArray(value) ? value.join(',') : String(value);
  return joined
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0);
}

function text(value: unknown): string {
  if (value === undefined) return '';
  return (Array.isArray(value) ? value.join(',') : String(value)).toLowerCase();
}
