import { CapturedResponse } from '../response-capture';
import { computeEtag } from './etag';
import { MissEmission } from './miss-validators';

/**
 * The headers an entry keeps: the handler's (`stored`), minus what the cache emitted on the miss
 * (`Cache-Control`, `Last-Modified`, the route's `Vary` names: recomputed on every answer), plus
 * the handler's `Last-Modified` and the entity tag (the handler's, or the one computed for it). A framework-made `ETag` (Express's
 * `etag fn`, `@fastify/etag`) is never kept.
 */
export function entryHeaders(
  stored: Record<string, string | string[]>,
  emission: MissEmission | undefined,
  handler: {
    etag: unknown;
    lastModified: unknown;
    vary: unknown;
    /** `@CachePut`: no GET answer set an entity tag; compute the one GET readers get. */
    recompute?: { body: Buffer | string; kind: 'weak' | 'strong' };
  },
): Record<string, string | string[]> {
  const headers = { ...stored };
  const handlerEtag = handler.etag;
  const beforeVary = handler.vary;
  // Validators set before the handler ran (`@Header('Last-Modified', …)`) are the entry's too.
  if (typeof handler.lastModified === 'string' && headers['last-modified'] === undefined) {
    headers['last-modified'] = handler.lastModified;
  }
  delete headers['etag'];
  let etag = emission !== undefined ? emission.etag : handlerEtag;
  const { recompute } = handler;
  if (etag === undefined && recompute !== undefined) {
    etag = computeEtag(200, headers['content-type'], recompute.body, recompute.kind);
  }
  if (typeof etag === 'string') headers['etag'] = etag;
  if (emission === undefined) return headers;
  if (emission.cacheControl) delete headers['cache-control'];
  if (emission.lastModified) delete headers['last-modified'];
  if (emission.vary) {
    // A `Vary` a middleware set before the handler belongs to each request, as other headers.
    const vary = emission.handlerVary;
    if (vary === undefined || String(vary) === String(beforeVary)) delete headers['vary'];
    else headers['vary'] = Array.isArray(vary) ? vary.map(String) : String(vary);
  }
  return headers;
}

/**
 * The captured response as storability sees it: the `Cache-Control` the cache emitted is its
 * own, not the handler's (a route whose ttl is under a second emits `max-age=0`).
 */
export function forPolicy(
  captured: CapturedResponse,
  emission: MissEmission | undefined,
): CapturedResponse {
  if (emission === undefined || !emission.cacheControl) return captured;
  const finalHeaders = { ...captured.finalHeaders };
  delete finalHeaders['cache-control'];
  return { ...captured, finalHeaders };
}
