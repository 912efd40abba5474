import { HttpRequestLike } from '../keys/http-key';

/**
 * Whether a request is identified, so that its response may be someone's own: it carries
 * `Authorization`, has `req.user`, has a session holding more than the empty default
 * (express-session's `req.session`, `@fastify/session`'s `request.session`: any own field but
 * `cookie`), or carries one of the `identityCookies`. Unrelated cookies (analytics, consent) do
 * not identify a request.
 */
export function isIdentified(req: HttpRequestLike, identityCookies: readonly string[]): boolean {
  if (req.headers.authorization !== undefined || req.user) return true;
  if (holdsSessionData(req.session)) return true;
  return identityCookies.length > 0 && carriesCookie(req.headers.cookie, identityCookies);
}

function holdsSessionData(session: unknown): boolean {
  if (typeof session !== 'object' || session === null) return false;
  for (const name of Object.keys(session)) {
    if (name === 'cookie') continue;
    const value = (session as Record<string, unknown>)[name];
    if (value !== undefined && value !== null && typeof value !== 'function') return true;
  }
  return false;
}

function carriesCookie(header: string | string[] | undefined, names: readonly string[]): boolean {
  if (header === undefined) return false;
  const text = Array.isArray(header) ? header.join(';') : header;
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    if (names.includes(name)) return true;
  }
  return false;
}
