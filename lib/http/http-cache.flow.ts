import { GatewayTimeoutException, Logger } from '@nestjs/common';
import { from, mergeMap, Observable, of, throwError } from 'rxjs';
import { CacheEngine, Lookup } from '../core/cache.engine';
import { CacheEntry } from '../core/cache-entry';
import { SourceCounter } from '../core/source.counter';
import { Ticket } from '../core/flight';
import { LockedFlight } from '../core/distributed-flight';
import { LockPolicy } from '../core/lock-policy';
import { deserializeValue } from '../core/value.serializer';
import { errorText, messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { isThenable } from '../utils/is-thenable';
import { HttpCall } from './http-call';
import { renderAll } from './http-context';
import { HttpResponseLike } from './http-response';
import { Outcome, ResponseRecorder } from './response-recorder';
import { CacheLabel } from './hit-answer';
import { takeEarlyLookup } from './fast-path/early-lookup';
import { replayOnSend } from './response-replay';
import { holdsResponse, StoredResponse, storedResponse } from './stored-response';
import { AnswerLabel, cachedAnswer } from './validators/cached-answer';
import { NO_DIRECTIVES, requestDirectives } from './validators/request-directives';

export type { CacheLabel } from './hit-answer';

/** A stale entry found by the read, and what the route allows doing with it. */
interface Stale {
  entry: CacheEntry;
  /** Inside `staleWhileRevalidate`: requests arriving while one refreshes get it at once. */
  whileRevalidating: boolean;
}

/** What an unobserved hit hands Nest (the stored response goes out when Nest sends). */
const NOTHING: Observable<unknown> = of(undefined);

/** A promise that never settles (a fresh one each time, so nothing accumulates on it). */
const never = () => new Promise<never>(() => undefined);

/**
 * What happens to a request once its key is known. A hit replays the stored response: the bytes,
 * status and headers the miss put on the wire. A miss runs the handler once for all concurrent
 * requests of the key, lets the app send its response as it always does, records what went out
 * and stores it when it may be stored (decided on the final headers). A stale entry is served to
 * the requests that arrive while one of them refreshes it, and when that refresh fails.
 */
export class HttpCacheFlow {
  private readonly logger = new Logger('CacheModule');
  private readonly recorder: ResponseRecorder;

  constructor(
    private readonly engine: CacheEngine,
    private readonly options: ResolvedCacheOptions,
  ) {
    this.recorder = new ResponseRecorder(engine, options);
  }

  serve(call: HttpCall): Observable<unknown> {
    call.at = this.engine.at(call.key, call.user);
    if (call.plan.cached!.put) return this.put(call);
    const directives = call.plan.honorRequestCacheControl
      ? requestDirectives(call.req.headers)
      : NO_DIRECTIVES;
    if (directives.noStore) call.noStore = true;
    if (directives.skipRead) {
      if (directives.onlyIfCached) return this.notCached(call);
      call.plan.counter.miss(call.key);
      return this.miss(call);
    }
    const found = takeEarlyLookup(call.req, call.at.storeKey) ?? this.engine.lookup(call.at);
    const onlyIfCached = directives.onlyIfCached;
    return isThenable<Lookup>(found)
      ? from(found).pipe(mergeMap((f) => this.answer(call, f, onlyIfCached)))
      : this.answer(call, found, onlyIfCached);
  }

  /** `only-if-cached` without a fresh entry: `504`, the handler never runs (RFC 9111 §5.2.1.7). */
  private notCached(call: HttpCall): Observable<unknown> {
    call.plan.counter.miss(call.key);
    this.label(call.res, 'MISS');
    return throwError(() => new GatewayTimeoutException('Not in cache (only-if-cached)'));
  }

  bypass(
    res: HttpResponseLike,
    next: HttpCall['next'],
    counter: SourceCounter,
  ): Observable<unknown> {
    counter.bypass();
    this.label(res, 'BYPASS');
    return next.handle();
  }

  private answer(call: HttpCall, found: Lookup, onlyIfCached: boolean): Observable<unknown> {
    const { plan } = call;
    // An entry another writer put under this key (CacheService.set) holds no response to replay.
    if (found.state !== 'miss' && holdsResponse(found.entry)) {
      if (found.state === 'fresh') {
        plan.counter.hit(call.key, found.entry.createdAt);
        return this.hit(call, found.entry, 'HIT');
      }
      if (onlyIfCached) return this.notCached(call);
      const window = Math.max(plan.staleIfError, plan.staleWhileRevalidate);
      if (found.staleForMs <= window) {
        // Counted in `miss`: a STALE answer or a refresh, one lookup either way.
        return this.miss(call, {
          entry: found.entry,
          whileRevalidating: found.staleForMs <= plan.staleWhileRevalidate,
        });
      }
    }
    if (onlyIfCached) return this.notCached(call);
    plan.counter.miss(call.key, found);
    return this.miss(call);
  }

  private hit(call: HttpCall, entry: CacheEntry, label: 'HIT' | 'STALE'): Observable<unknown> {
    this.label(call.res, label);
    return this.replay(call, storedResponse(entry), label);
  }

  /** A request that waited for another's computation replays its response (counted as joined). */
  private joined(call: HttpCall, stored: StoredResponse): Observable<unknown> {
    call.plan.counter.joined();
    return this.replay(call, stored, 'MISS');
  }

  /** Sends `stored` when Nest sends; other interceptors get its body, when there are any. */
  private replay(call: HttpCall, stored: StoredResponse, label: AnswerLabel): Observable<unknown> {
    const answer = cachedAnswer(stored, call.req, call.plan.validators, Date.now(), label);
    const observed = call.plan.observed;
    replayOnSend(call.res, stored, { answer, observed, handler: call.ctx.getHandler() });
    if (!observed) return NOTHING;
    return of(stored.value !== undefined ? deserializeValue(stored.value) : bodyValue(stored));
  }

  /** Runs the handler once for all concurrent requests of the key; stores what may be stored. */
  private miss(call: HttpCall, stale?: Stale): Observable<unknown> {
    // Inside staleWhileRevalidate, a request that finds a refresh under way gets the stale entry.
    if (
      stale?.whileRevalidating &&
      this.engine.computing(call.at!, undefined, call.plan.flightTimeout)
    ) {
      call.plan.counter.stale(call.key, stale.entry.createdAt);
      return this.hit(call, stale.entry, 'STALE');
    }
    if (stale !== undefined) call.plan.counter.miss(call.key);
    const { res, next } = call;
    // HEAD responses carry no body to store; they are answered from GET entries only.
    if (call.req.method === 'HEAD') return this.labelled(res, 'MISS', next.handle());
    const tags = this.tags(call);
    if (tags === undefined) return this.bypass(res, next, call.plan.counter);
    // A request that asked for no-store runs on its own: its response is not shared.
    if (call.noStore) return this.labelled(res, 'MISS', this.unshared(call, tags));
    // `begin` exists only once the leader's ticket did not come synchronously (see below).
    let begin: ((ticket: Ticket) => void) | undefined;
    let settle!: (outcome: Outcome) => void;
    const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
    let leading: Ticket | undefined;
    const flight = this.engine.flight<StoredResponse | undefined>(
      call.at!,
      tags,
      (ticket) => {
        if (begin === undefined) leading = ticket;
        else begin(ticket);
        return outcome;
      },
      undefined,
      call.plan.flightTimeout,
      call.plan.lock && lockedResponse(call.plan.lock, stale?.whileRevalidating),
    );
    this.label(res, 'MISS');
    // The leader's ticket came synchronously (an in-process store): run at once, no promise hop.
    if (leading !== undefined) return this.run(call, leading, settle, stale);
    const started = new Promise<Ticket>((resolve) => (begin = resolve));
    // The engine calls `run` for the leader, and for a joiner that must run its own (the running
    // computation outlasted `flightTimeout`, or its response could not be stored): that caller
    // then runs the handler itself, with its own capture. Other joiners replay the shared bytes.
    const shared = flight.promise.then((result) => (result.own ? never() : result));
    const next$ = Promise.race([
      started.then((ticket) => ({ ticket })),
      shared.then((result) => ({ result })),
    ]);
    return from(next$).pipe(
      mergeMap((step) =>
        'ticket' in step
          ? this.run(call, step.ticket, settle, stale)
          : step.result.elsewhere && stale
            ? this.servedStale(call, stale)
            : step.result.value
              ? this.joined(call, step.result.value)
              : next.handle(),
      ),
    );
  }

  /** Another instance refreshes the entry (distributedLock): this request gets the stale one. */
  private servedStale(call: HttpCall, stale: Stale): Observable<unknown> {
    call.plan.counter.missServedStale(call.key, stale.entry.createdAt);
    return this.hit(call, stale.entry, 'STALE');
  }

  /**
   * `@CachePut` on a handler: always runs it, then stores its 2xx response under the key (the
   * body and its content type, replayed with status 200), newer than any computation in progress.
   */
  private put(call: HttpCall): Observable<unknown> {
    const tags = this.tags(call);
    if (tags === undefined) return this.bypass(call.res, call.next, call.plan.counter);
    this.engine.supersede(call.at!);
    const begun = Promise.resolve(this.engine.begin(call.at!, tags));
    return from(begun).pipe(mergeMap((ticket) => this.run(call, ticket, () => undefined)));
  }

  /** Runs the handler outside any flight; the recorder sets headers and stores nothing. */
  private unshared(call: HttpCall, tags: string[]): Observable<unknown> {
    const begun = Promise.resolve(this.engine.begin(call.key, tags, call.user));
    return from(begun).pipe(mergeMap((ticket) => this.run(call, ticket, () => undefined)));
  }

  /** Runs the handler and records what goes out; inside a stale window, a failure serves it. */
  private run(
    call: HttpCall,
    ticket: Ticket,
    settle: (outcome: Outcome) => void,
    stale?: Stale,
  ): Observable<unknown> {
    if (stale === undefined) return this.recorder.record(call, ticket, settle);
    return this.recorder.record(call, ticket, settle, (error) => {
      this.logger.warn(messages.staleIfError(call.key, error));
      call.plan.counter.missServedStale(call.key, stale.entry.createdAt);
      return this.hit(call, stale.entry, 'STALE');
    });
  }

  /** The entry's tags; `undefined` (logged) when a tag callback throws: nothing is stored then. */
  private tags(call: HttpCall): string[] | undefined {
    try {
      return [call.plan.implicitTag, ...renderAll(call.plan.tags, call.ctx)];
    } catch (error) {
      this.logger.warn(messages.keyFailed(call.plan.where, errorText(error)));
      return undefined;
    }
  }

  private labelled(
    res: HttpResponseLike,
    label: CacheLabel,
    result: Observable<unknown>,
  ): Observable<unknown> {
    this.label(res, label);
    return result;
  }

  private label(res: HttpResponseLike, label: CacheLabel): void {
    if (this.options.xCacheHeader !== false) res.header(this.options.xCacheHeader, label);
  }
}

/** A miss under the distributed lock: a response another instance stored is replayed. */
function lockedResponse(
  policy: LockPolicy,
  stale: boolean | undefined,
): LockedFlight<StoredResponse | undefined> {
  const adopt = (entry: CacheEntry) =>
    holdsResponse(entry)
      ? { value: storedResponse(entry), payload: entry.payload, meta: entry.meta }
      : undefined;
  return { policy, adopt, stale };
}

/** What other interceptors see on a hit: the body, parsed when it is JSON. */
function bodyValue(stored: StoredResponse): unknown {
  const text = typeof stored.body === 'string' ? stored.body : stored.body.toString('utf8');
  if (!/json/i.test(String(stored.headers['content-type'] ?? 'json'))) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
