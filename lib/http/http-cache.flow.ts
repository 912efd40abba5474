import { Logger } from '@nestjs/common';
import { from, mergeMap, Observable, of } from 'rxjs';
import { CacheEngine, Lookup } from '../core/cache.engine';
import { CacheEntry } from '../core/cache-entry';
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
import { conditionalOf } from './conditional-request';
import { replayOnSend } from './response-replay';
import { holdsResponse, StoredResponse, storedResponse } from './stored-response';

export type CacheLabel = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

/** A stale entry found by the read, and what the route allows doing with it. */
interface Stale {
  entry: CacheEntry;
  /** Inside `staleWhileRevalidate`: requests arriving while one refreshes get it at once. */
  whileRevalidating: boolean;
}

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
    if (call.plan.cached!.put) return this.put(call);
    const found = this.engine.lookup(call.key, call.user);
    return isThenable<Lookup>(found)
      ? from(found).pipe(mergeMap((f) => this.answer(call, f)))
      : this.answer(call, found);
  }

  bypass(res: HttpResponseLike, next: HttpCall['next']): Observable<unknown> {
    this.engine.stats.bypasses++;
    this.label(res, 'BYPASS');
    return next.handle();
  }

  private answer(call: HttpCall, found: Lookup): Observable<unknown> {
    const { stats } = this.engine;
    const { plan } = call;
    // An entry another writer put under this key (CacheService.set) holds no response to replay.
    if (found.state !== 'miss' && holdsResponse(found.entry)) {
      if (found.state === 'fresh') {
        stats.hits++;
        return this.hit(call, found.entry, 'HIT');
      }
      const window = Math.max(plan.staleIfError, plan.staleWhileRevalidate);
      if (found.staleForMs <= window) {
        stats.misses++;
        return this.miss(call, {
          entry: found.entry,
          whileRevalidating: found.staleForMs <= plan.staleWhileRevalidate,
        });
      }
    }
    stats.misses++;
    return this.miss(call);
  }

  private hit(call: HttpCall, entry: CacheEntry, label: CacheLabel): Observable<unknown> {
    const { res } = call;
    this.label(res, label);
    res.header('Age', String(Math.max(0, Math.floor((Date.now() - entry.createdAt) / 1000))));
    return this.replay(call, storedResponse(entry));
  }

  /** Sends `stored` when Nest sends; other interceptors get its body, when there are any. */
  private replay(call: HttpCall, stored: StoredResponse): Observable<unknown> {
    replayOnSend(call.res, stored, {
      conditional: conditionalOf(call.req.headers),
      observed: call.plan.observed,
    });
    if (!call.plan.observed) return of(undefined);
    return of(stored.value !== undefined ? deserializeValue(stored.value) : bodyValue(stored));
  }

  /** Runs the handler once for all concurrent requests of the key; stores what may be stored. */
  private miss(call: HttpCall, stale?: Stale): Observable<unknown> {
    const { res, next } = call;
    // HEAD responses carry no body to store; they are answered from GET entries only.
    if (call.req.method === 'HEAD') return this.labelled(res, 'MISS', next.handle());
    const tags = this.tags(call);
    if (tags === undefined) return this.bypass(res, next);
    let begin!: (ticket: Ticket) => void;
    let settle!: (outcome: Outcome) => void;
    const started = new Promise<Ticket>((resolve) => (begin = resolve));
    const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
    // Inside staleWhileRevalidate, a request that finds a refresh under way gets the stale entry.
    if (
      stale?.whileRevalidating &&
      this.engine.computing(call.key, call.user, call.plan.flightTimeout)
    ) {
      this.engine.stats.staleHits++;
      return this.hit(call, stale.entry, 'STALE');
    }
    const flight = this.engine.flight<StoredResponse | undefined>(
      call.key,
      tags,
      (ticket) => {
        begin(ticket);
        return outcome;
      },
      call.user,
      call.plan.flightTimeout,
      call.plan.lock && lockedResponse(call.plan.lock, stale?.whileRevalidating),
    );
    // The engine calls `run` for the leader, and for a joiner that must run its own (the running
    // computation outlasted `flightTimeout`, or its response could not be stored): that caller
    // then runs the handler itself, with its own capture. Other joiners replay the shared bytes.
    const shared = flight.promise.then((result) => (result.own ? never() : result));
    const next$ = Promise.race([
      started.then((ticket) => ({ ticket })),
      shared.then((result) => ({ result })),
    ]);
    this.label(res, 'MISS');
    return from(next$).pipe(
      mergeMap((step) =>
        'ticket' in step
          ? this.run(call, step.ticket, settle, stale)
          : step.result.elsewhere && stale
            ? this.servedStale(call, stale)
            : step.result.value
              ? this.replay(call, step.result.value)
              : next.handle(),
      ),
    );
  }

  /** Another instance refreshes the entry (distributedLock): this request gets the stale one. */
  private servedStale(call: HttpCall, stale: Stale): Observable<unknown> {
    this.engine.stats.staleHits++;
    return this.hit(call, stale.entry, 'STALE');
  }

  /**
   * `@CachePut` on a handler: always runs it, then stores its 2xx response under the key (the
   * body and its content type, replayed with status 200), newer than any computation in progress.
   */
  private put(call: HttpCall): Observable<unknown> {
    const tags = this.tags(call);
    if (tags === undefined) return this.bypass(call.res, call.next);
    this.engine.supersede(call.key, call.user);
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
      this.engine.stats.staleHits++;
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
