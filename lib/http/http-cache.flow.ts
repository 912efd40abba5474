import { Logger } from '@nestjs/common';
import { catchError, finalize, from, lastValueFrom, map, mergeMap, Observable, of } from 'rxjs';
import { CacheEngine, Lookup } from '../core/cache.engine';
import { CacheEntry, ResponseMeta } from '../core/cache-entry';
import { FlightResult, Ticket } from '../core/flight';
import { deserializeValue } from '../core/value.serializer';
import { errorText, messages } from '../errors/cache.messages';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { isThenable } from '../utils/is-thenable';
import { HttpCall } from './http-call';
import { renderAll } from './http-context';
import { HttpResponseLike } from './http-response';
import { captureMeta, isStorableResponse } from './response-policy';

export type CacheLabel = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

const JSON_TYPE = 'application/json; charset=utf-8';

const ANY_2XX: ReadonlySet<number> = new Set(Array.from({ length: 100 }, (_, i) => 200 + i));

/**
 * What happens to a request once its key is known: a fresh hit is replayed, a stale one served
 * while one refresh runs (or when the refresh fails), a miss runs the handler once for all
 * concurrent requests of the key and stores what may be stored.
 */
export class HttpCacheFlow {
  private readonly logger = new Logger('CacheModule');

  constructor(
    private readonly engine: CacheEngine,
    private readonly options: ResolvedCacheOptions,
  ) {}

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
    const { plan, res } = call;
    if (found.state === 'fresh') {
      stats.hits++;
      return of(this.replay(res, found.entry, 'HIT', plan.sendsStoredJson));
    }
    if (found.state === 'stale') {
      if (found.staleForMs <= plan.staleWhileRevalidate && !plan.writesResponse) {
        stats.staleHits++;
        this.refreshInBackground(call, found.entry.meta);
        return of(this.replay(res, found.entry, 'STALE'));
      }
      if (found.staleForMs <= Math.max(plan.staleIfError, plan.staleWhileRevalidate)) {
        stats.misses++;
        return this.miss(call).pipe(
          catchError((error) => {
            this.logger.warn(messages.staleIfError(call.key, error));
            stats.staleHits++;
            return of(this.replay(res, found.entry, 'STALE'));
          }),
        );
      }
    }
    stats.misses++;
    return this.miss(call);
  }

  /** Runs the handler once for all concurrent requests of the key; stores what may be stored. */
  private miss(call: HttpCall): Observable<unknown> {
    const { res, next } = call;
    const tags = this.tags(call);
    if (tags === undefined) return this.bypass(res, next);
    this.label(res, 'MISS');
    const before = res.getHeaders();
    const flight = this.engine.flight(
      call.key,
      tags,
      async (ticket) => {
        const value = await lastValueFrom(next.handle(), { defaultValue: undefined });
        return this.store(call, ticket, value, (after) =>
          captureMeta(res, before, this.options.xCacheHeader, after),
        );
      },
      call.user,
    );
    if (flight.leader) return from(flight.promise).pipe(map((result) => result.value));
    // Joiners get a copy of a storable response; the engine has them run their own otherwise.
    return from(flight.promise).pipe(
      map((result) => (result.own ? result.value : this.replayShared(res, result))),
    );
  }

  private store(
    call: HttpCall,
    ticket: Ticket,
    value: unknown,
    meta: (headers: Record<string, unknown>) => ResponseMeta | undefined,
    statuses: ReadonlySet<number> = this.options.statuses,
  ): FlightResult<unknown> {
    const { plan } = call;
    const result: FlightResult<unknown> = { value };
    if (value === undefined) return result;
    const headers = call.res.getHeaders();
    if (!isStorableResponse(call.res, value, statuses, headers)) return result;
    if (plan.cached!.unless?.(value, call.ctx)) return result;
    const stored = plan.serializer ? plan.serializer(value) : value;
    result.payload = this.engine.serialize(call.key, stored);
    if (result.payload === undefined) return result;
    result.meta = meta(headers);
    const staleWindow = Math.max(plan.staleWhileRevalidate, plan.staleIfError);
    void this.engine.commit(ticket, result.payload, {
      ttl: plan.ttl,
      staleWindow,
      meta: result.meta,
    });
    return result;
  }

  /**
   * `@CachePut` on a handler: always runs it, then stores its 2xx result under the key, without
   * status or headers (readers replay their own), newer than any computation in progress.
   */
  private put(call: HttpCall): Observable<unknown> {
    const tags = this.tags(call);
    if (tags === undefined) return this.bypass(call.res, call.next);
    this.engine.supersede(call.key, call.user);
    const begun = Promise.resolve(this.engine.begin(call.key, tags, call.user));
    return from(begun).pipe(
      mergeMap((ticket) =>
        call.next.handle().pipe(
          map((value) => {
            this.store(call, ticket, value, () => undefined, ANY_2XX);
            return value;
          }),
          finalize(() => this.engine.release(ticket)),
        ),
      ),
    );
  }

  /** One refresh at a time per key, after a stale entry was served; failures are only logged. */
  private refreshInBackground(call: HttpCall, meta: ResponseMeta | undefined): void {
    const tags = this.tags(call);
    if (tags === undefined) return;
    const flight = this.engine.flight(
      call.key,
      tags,
      async (ticket) => {
        const value = await lastValueFrom(call.next.handle(), { defaultValue: undefined });
        return this.store(call, ticket, value, () => meta);
      },
      call.user,
    );
    if (flight.leader) {
      flight.promise.catch((error) =>
        this.logger.error(messages.backgroundRefreshFailed(call.key, error)),
      );
    }
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

  private replay(
    res: HttpResponseLike,
    entry: CacheEntry,
    label: CacheLabel,
    raw = false,
  ): unknown {
    this.label(res, label);
    res.header('Age', String(Math.max(0, Math.floor((Date.now() - entry.createdAt) / 1000))));
    if (entry.meta) this.applyMeta(res, entry.meta);
    if (raw) {
      // Stored as plain JSON of an object or array: send that text; nothing else would touch it.
      const json = storedJson(entry.payload);
      if (json !== undefined) {
        if (entry.meta?.headers['content-type'] === undefined)
          res.header('Content-Type', JSON_TYPE);
        return json;
      }
    }
    return deserializeValue(entry.payload);
  }

  private replayShared(res: HttpResponseLike, result: FlightResult<unknown>): unknown {
    if (result.meta) this.applyMeta(res, result.meta);
    return deserializeValue(result.payload!);
  }

  private applyMeta(res: HttpResponseLike, meta: ResponseMeta): void {
    res.status(meta.status);
    for (const name in meta.headers) res.header(name, meta.headers[name]);
  }

  private label(res: HttpResponseLike, label: CacheLabel): void {
    if (this.options.xCacheHeader !== false) res.header(this.options.xCacheHeader, label);
  }
}

/** The JSON text of a payload stored as plain JSON of an object or an array, else `undefined`. */
function storedJson(payload: string): string | undefined {
  if (payload.charCodeAt(0) !== 106 /* j */) return undefined;
  const first = payload.charCodeAt(1);
  return first === 123 /* { */ || first === 91 /* [ */ ? payload.slice(1) : undefined;
}
