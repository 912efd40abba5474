import type { BeforeHead } from '../response-capture';
import type { HttpCall } from '../http-call';
import {
  AnswerLabel,
  applyAnswer,
  cachedAnswer,
  CachedRequest,
  HeaderSink,
  RouteValidators,
} from './cached-answer';
import { computeEtag, EtagKind } from './etag';

/** What the cache put on a miss's response, so the entry records it and nothing else of it. */
export interface MissEmission {
  /** The entry's entity tag: the handler's, or the one computed now; none when `undefined`. */
  etag?: string;
  createdAt: number;
  /** The cache set `Cache-Control` / `Last-Modified` / route names in `Vary` (not the handler). */
  cacheControl: boolean;
  lastModified: boolean;
  vary: boolean;
  /** The response's `Vary` before the route's names were merged in. */
  handlerVary: unknown;
}

export interface MissFacts {
  status: number;
  body: Buffer | string;
  request: CachedRequest;
  route: RouteValidators;
  etag: EtagKind;
  /** An `ETag` the handler (or a middleware before it) set: kept as it is. */
  handlerEtag: unknown;
  /** Statuses the route may store; other responses are left as the framework made them. */
  statuses: ReadonlySet<number>;
  now: number;
}

const LABEL: AnswerLabel = 'MISS';

/**
 * Just before a miss's response head goes out, with its body known: sets the entity tag (the
 * handler's, else one computed over status, content type and body; a framework-made one is
 * replaced), then the same headers a hit of this entry will carry (`cachedAnswer`), and says
 * whether the request gets a `304` (the caller then drops the body and `Content-*` headers). `undefined` for a status the route does not store.
 */
export function validateMiss(
  facts: MissFacts,
  sink: HeaderSink,
): { notModified: boolean; emission: MissEmission } | undefined {
  const { status, route } = facts;
  if (!facts.statuses.has(status)) return undefined;
  const etag =
    typeof facts.handlerEtag === 'string'
      ? facts.handlerEtag
      : facts.etag === false
        ? undefined
        : computeEtag(status, sink.get('content-type'), facts.body, facts.etag);
  if (etag !== undefined) sink.set('etag', etag);
  else sink.remove('etag');
  const lastModified = sink.get('last-modified');
  const handlerVary = sink.get('vary');
  const hadCacheControl = sink.get('cache-control') !== undefined;
  const headers: Record<string, string> = {};
  if (etag !== undefined) headers['etag'] = etag;
  if (typeof lastModified === 'string') headers['last-modified'] = lastModified;
  const answer = cachedAnswer(
    { status, headers, createdAt: facts.now },
    facts.request,
    route,
    facts.now,
    LABEL,
  );
  // The capture drops the Content-* headers of a 304 once it has recorded them.
  applyAnswer({ ...answer, notModified: false }, sink);
  return {
    notModified: answer.notModified,
    emission: {
      etag,
      createdAt: facts.now,
      cacheControl: !hadCacheControl && route.cacheControl !== undefined,
      lastModified: lastModified === undefined && route.lastModified,
      vary: route.vary.length > 0,
      handlerVary,
    },
  };
}

/**
 * The capture hook of a recorded miss (`captureResponse`'s `beforeHead`): validators for GET
 * responses only (a `@CachePut` write answers for itself); `emitted` receives what was set. A
 * failure here costs the validators, never the response.
 * @param handled the headers that stood when the handler's value came out, once known
 */
export function missHead(
  call: HttpCall,
  before: Record<string, unknown>,
  handled: () => Record<string, unknown> | undefined,
  statuses: ReadonlySet<number>,
  emitted: (emission: MissEmission) => void,
): BeforeHead | undefined {
  if (call.req.method !== 'GET') return undefined;
  return (status, body, sink) => {
    try {
      const validated = validateMiss(
        {
          status,
          body,
          request: call.req,
          route: call.plan.validators,
          etag: call.plan.etag,
          handlerEtag: handled()?.['etag'] ?? before['etag'],
          statuses,
          now: Date.now(),
        },
        sink,
      );
      if (validated === undefined) return false;
      emitted(validated.emission);
      return validated.notModified;
    } catch {
      return false;
    }
  };
}
