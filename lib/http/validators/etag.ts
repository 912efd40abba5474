import { createHash } from 'node:crypto';

/** What `etag` asks for: a weak or strong validator computed by the cache, or none. */
export type EtagKind = 'weak' | 'strong' | false;

/**
 * The entity tag of a response, computed once when its entry is stored: a SHA-1 over the status,
 * the content type and the body bytes, so two representations that differ only in their type
 * never share a tag. Weak (`W/"…"`) unless `kind` is `'strong'`.
 * @example
 * computeEtag(200, 'application/json; charset=utf-8', Buffer.from('{"id":1}'), 'weak')
 * // W/"8-…"
 */
export function computeEtag(
  status: number,
  contentType: unknown,
  body: Buffer | string,
  kind: 'weak' | 'strong',
): string {
  const hash = createHash('sha1')
    .update(`${status}\n${contentType === undefined ? '' : String(contentType)}\n`)
    .update(body)
    .digest('base64url');
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const tag = `"${length.toString(16)}-${hash}"`;
  return kind === 'weak' ? `W/${tag}` : tag;
}
