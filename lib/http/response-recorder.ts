import { Logger, StreamableFile } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { Observable, Subscription } from 'rxjs';
import { CacheEngine } from '../core/cache.engine';
import { isThenable } from '../utils/is-thenable';
import { FlightResult, Ticket } from '../core/flight';
import { serializeValue } from '../core/value.serializer';
import { errorText, messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { HttpCall } from './http-call';
import { HttpResponseLike } from './http-response';
import { captureResponse, CapturedResponse } from './response-capture';
import { notStoredReason, whyNotStorable } from './response-policy';
import { NotStoredReason } from '../core/source.counter';
import { handlerHeaders, StoredResponse, toEntryParts } from './stored-response';
import { MissEmission, missHead } from './validators/miss-validators';
import { entryHeaders, forPolicy } from './validators/entry-validators';

/** What a recorded miss settles its flight with: the response to replay, when it was stored. */
export type Outcome = FlightResult<StoredResponse | undefined>;

const ANY_2XX: ReadonlySet<number> = new Set(Array.from({ length: 100 }, (_, i) => 200 + i));

/**
 * The miss side of HTTP caching: runs the handler, lets the app send its response as it always
 * does, records what went out (`response-capture.ts`) and, once both the handler's value and the
 * response are known, stores it when it may be stored (`response-policy.ts`) and settles the
 * flight: with the response for waiters to replay, or with nothing (they run their own).
 */
export class ResponseRecorder {
  private readonly logger = new Logger('CacheModule');
  private readonly warned = new Set<string>();

  constructor(
    private readonly engine: CacheEngine,
    private readonly options: ResolvedCacheOptions,
  ) {}

  /** Runs the handler, records what the app sends, then stores it (or not) and settles. */
  record(
    call: HttpCall,
    ticket: Ticket,
    settle: (outcome: Outcome) => void,
    onError?: (error: unknown) => Observable<unknown>,
  ): Observable<unknown> {
    const { res } = call;
    const before = res.getHeaders();
    let handled: Record<string, unknown> | undefined;
    let refusal: NotStoredReason | undefined = 'error';
    let handlerValue: unknown;
    let captured: CapturedResponse | undefined | null = null;
    let decided = false;
    let emission: MissEmission | undefined;
    let failure: { error: unknown } | undefined;
    const decide = () => {
      if (decided || handled === undefined || captured === null) return;
      decided = true;
      const kept = refusal === undefined ? captured : undefined;
      const outcome = this.store(
        call,
        ticket,
        kept,
        before,
        handled,
        handlerValue,
        refusal,
        emission,
      );
      settle(failure === undefined ? outcome : { ...outcome, failure });
    };
    const statuses = call.plan.cached!.put ? ANY_2XX : this.options.statuses;
    notFreshForExpress(call.req);
    const raw = rawOf(res);
    const beforeHead = missHead(
      call,
      before,
      () => handled,
      statuses,
      (emitted) => (emission = emitted),
    );
    const stop = captureResponse(
      raw,
      (response) => {
        captured = response;
        decide();
      },
      res,
      beforeHead,
    );
    // Nothing is stored, and waiters run their own, when the value never comes out: the handler
    // threw, or an outer interceptor gave up on it (a timeout, a client that went away).
    const abandon = () => {
      if (handled !== undefined) return;
      handled = {};
      stop();
      decide();
    };
    // One observable rather than a chain of operators: this runs on every miss.
    return new Observable<unknown>((subscriber) => {
      let inner: Subscription | undefined;
      let last: unknown;
      const source = call.next.handle().subscribe({
        next: (value) => (last = value),
        error: (error: unknown) => {
          failure = { error };
          abandon();
          if (onError === undefined) subscriber.error(error);
          else inner = onError(error).subscribe(subscriber);
        },
        complete: () => {
          handlerValue = last;
          refusal = this.refusal(call, last);
          handled = handledHeaders(res);
          if (refusal !== undefined) stop();
          decide();
          subscriber.next(last);
          subscriber.complete();
        },
      });
      return () => {
        source.unsubscribe();
        inner?.unsubscribe();
        abandon();
      };
    });
  }

  /** Why the handler's value may not be stored; `undefined` when it may. */
  private refusal(call: HttpCall, value: unknown): NotStoredReason | undefined {
    if (value instanceof StreamableFile || isStream(value)) return 'stream';
    if (value === undefined) return 'unserializable';
    const unless = call.plan.cached!.unless;
    if (unless === undefined) return undefined;
    try {
      return unless(value, call.ctx) ? 'unless' : undefined;
    } catch (error) {
      this.warnOnce(call.plan.where + ':unless', () =>
        messages.requestCallbackFailed(call.plan.where, 'unless', errorText(error)),
      );
      return 'unless';
    }
  }

  /** Stores a response that went out, when it may be stored; what joiners replay. */
  private store(
    call: HttpCall,
    ticket: Ticket,
    captured: CapturedResponse | undefined,
    before: Record<string, unknown>,
    handled: Record<string, unknown>,
    value: unknown,
    refusal: NotStoredReason | undefined,
    emission: MissEmission | undefined,
  ): Outcome {
    const { plan } = call;
    const put = plan.cached!.put;
    const refused =
      captured &&
      (call.noStore
        ? { reason: 'no_store' as const }
        : whyNotStorable(forPolicy(captured, emission), before, handled, {
            statuses: put ? ANY_2XX : this.options.statuses,
            perUser: call.user !== undefined,
            keyedHeaders: plan.keyedHeaders,
            declaredVary: plan.declaredVary,
          }));
    if (captured === undefined || refused) {
      if (refused?.reason === 'vary' && refused.header !== '*') {
        const header = refused.header!;
        this.warnOnce(`${plan.where}:vary:${header}`, () =>
          messages.varyNotKeyed(plan.where, header),
        );
      } else if (refused?.reason === 'nonce') {
        this.warnOnce(`${plan.where}:nonce`, () => messages.nonceInBody(plan.where));
      } else if (refused?.reason === 'encoded') {
        const encoding = String(captured!.headers['content-encoding']);
        this.warnOnce(`${plan.where}:encoded`, () =>
          messages.encodedAfterHandler(plan.where, encoding),
        );
      }
      plan.counter.refused(refused ? notStoredReason(refused) : (refusal ?? 'stream'), call.key);
      this.engine.release(ticket);
      return { value: undefined };
    }
    let headers = handlerHeaders(captured.headers, before, this.options.xCacheHeader);
    let status = captured.status;
    if (put) {
      const type = captured.headers['content-type'];
      headers = type === undefined ? {} : { 'content-type': String(type) };
      status = 200;
    }
    headers = entryHeaders(headers, emission, {
      etag: handled['etag'] ?? before['etag'],
      lastModified: handled['last-modified'] ?? before['last-modified'],
      vary: before['vary'],
      recompute: put && plan.etag !== false ? { body: captured.body, kind: plan.etag } : undefined,
    });
    const createdAt = emission?.createdAt ?? Date.now();
    // Routes other interceptors wrap keep the handler's value: on a hit they get it, as on a miss.
    const kept = plan.observed ? serializedOrNothing(value) : undefined;
    const { payload, meta } = toEntryParts(put ? { ...captured, status } : captured, headers, kept);
    const written = this.engine.commit(ticket, payload, {
      ttl: plan.ttl,
      staleWindow: Math.max(plan.staleWhileRevalidate, plan.staleIfError),
      meta,
      source: plan.counter,
      createdAt,
    });
    const { body } = captured;
    const response = {
      status,
      headers,
      body,
      length: typeof body === 'string' ? Buffer.byteLength(body) : body.length,
      createdAt,
      throughSend: captured.throughSend,
      value: kept,
    };
    return { value: response, payload, meta, written: isThenable(written) ? written : undefined };
  }

  private warnOnce(id: string, message: () => string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.logger.warn(message());
  }
}

/**
 * The headers that stood when the handler's value came out, as far as the recorder reads them
 * (the handler's validators, and whether a `Content-Encoding` was there before the transport):
 * three lookups rather than a copy of every header.
 */
function handledHeaders(res: HttpResponseLike): Record<string, unknown> {
  if (res.getHeader === undefined) return res.getHeaders();
  return {
    etag: res.getHeader('etag'),
    'last-modified': res.getHeader('last-modified'),
    'content-encoding': res.getHeader('content-encoding'),
  };
}

function rawOf(res: HttpResponseLike): ServerResponse {
  return ((res as { raw?: ServerResponse }).raw ?? res) as ServerResponse;
}

/** The serialized value, or `undefined` (observers then get the parsed body). */
function serializedOrNothing(value: unknown): string | undefined {
  try {
    return serializeValue(value);
  } catch {
    return undefined;
  }
}

/** A stream the platform pipes (Fastify sends a returned `Readable` as it comes). */
function isStream(value: unknown): boolean {
  return typeof (value as { pipe?: unknown } | null)?.pipe === 'function';
}

/**
 * Express's `res.send` answers a conditional request with its own empty `304` (its own `ETag`)
 * before the cache sees the body: on a recorded miss the request is never "fresh" to Express, so
 * the full response is recorded and stored and the cache's own validators decide the `304`.
 */
function notFreshForExpress(req: HttpCall['req']): void {
  const headers = req.headers;
  if (headers['if-none-match'] === undefined && headers['if-modified-since'] === undefined) return;
  Object.defineProperty(req, 'fresh', { value: false, configurable: true });
}
