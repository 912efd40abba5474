import { ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { CacheEngine, EntryKey, Lookup } from '../../core/cache.engine';
import { keepEarlyLookup } from './early-lookup';
import { ResolvedCacheOptions } from '../../interfaces/cache-module-options.interface';
import { HttpRequestLike } from '../../keys/http-key';
import { MaybePromise } from '../../stores/cache-store.interface';
import { then } from '../../utils/is-thenable';
import { HttpResponseLike } from '../http-response';
import { ReplayTarget, sendStored } from '../response-replay';
import { routeKey } from '../route-key';
import { RoutePlan } from '../route-plan';
import { holdsResponse, storedResponse } from '../stored-response';
import { cachedAnswer } from '../validators/cached-answer';
import { requestDirectives } from '../validators/request-directives';
import { installExpressFastPath } from './express-fast-path';
import { hookFastifyFastPath } from './fastify-fast-path';

/** A route whose hits the fast path answers. */
export interface FastRoute {
  plan: RoutePlan;
  cls: Function;
  handler: Function;
  /** The handler's `@Header()` headers, which Nest sets before the pipeline. */
  headers: { name: string; value: string | (() => string) }[];
}

type Response = HttpResponseLike & ReplayTarget;

/**
 * Answers fresh hits of eligible routes (see `fast-path.eligibility.ts`) before Nest's pipeline,
 * after the app's middleware and routing: on Express a handler put in front of the route's own
 * (installed when the route is planned), on Fastify a `preHandler` hook. Anything but a fresh hit
 * (a miss, a stale entry, a callback that throws) goes on to the standard path, which then does
 * what it always does. A hit is answered by the same code as a standard hit (`cachedAnswer`,
 * `sendStored`), so both send the same status, headers and bytes.
 */
export class FastPath {
  /** Fastify routes by the handler Nest registered for them. */
  private readonly byFastifyHandler = new Map<unknown, FastRoute>();

  constructor(
    private readonly engine: CacheEngine,
    private readonly options: ResolvedCacheOptions,
  ) {}

  private readonly finder = (request: unknown) => this.fastifyRoute(request);

  /** Hooks a Fastify instance (once; before it is ready). Express needs nothing up front. */
  prepare(instance: unknown): void {
    hookFastifyFastPath(instance, this.finder);
  }

  /**
   * Puts a planned, eligible route on the fast path, from one of its requests (that request
   * itself takes the standard path): Express gets a handler in front of the route's, Fastify
   * learns which registered handler is this route's.
   */
  learn(route: FastRoute, req: unknown): void {
    const fastifyHandler = (req as { routeOptions?: { handler?: unknown } }).routeOptions?.handler;
    if (fastifyHandler !== undefined) {
      if (!this.byFastifyHandler.has(fastifyHandler)) {
        this.byFastifyHandler.set(fastifyHandler, route);
      }
      return;
    }
    installExpressFastPath(req, (request, res) => this.answer(route, request, res));
  }

  private fastifyRoute(request: unknown): ((res: unknown) => MaybePromise<boolean>) | undefined {
    if (this.byFastifyHandler.size === 0) return undefined;
    const handler = (request as { routeOptions?: { handler?: unknown } }).routeOptions?.handler;
    const route = this.byFastifyHandler.get(handler);
    return route && ((reply) => this.answer(route, request, reply));
  }

  /** True when the request was answered from a fresh entry; never throws. */
  answer(route: FastRoute, request: unknown, response: unknown): MaybePromise<boolean> {
    const req = request as HttpRequestLike;
    const res = response as Response;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    // A request that may skip the read (`honorRequestCacheControl`) takes the standard path.
    if (route.plan.honorRequestCacheControl && requestDirectives(req.headers).skipRead) {
      return false;
    }
    let found: MaybePromise<Lookup>;
    let at: EntryKey;
    try {
      let ctx: ExecutionContext | undefined;
      const context = () => (ctx ??= contextOf(route, req, res));
      const condition = route.plan.cached!.condition;
      if (condition !== undefined && !condition(context())) return false;
      at = this.engine.at(routeKey(route.plan, req, context));
      found = this.engine.lookup(at);
    } catch {
      // The standard path runs the same callbacks and reports what they throw.
      return false;
    }
    const storeKey = at.storeKey;
    return then(found, (lookup) => {
      if (lookup.state !== 'fresh' || !holdsResponse(lookup.entry)) {
        keepEarlyLookup(req, storeKey, lookup);
        return false;
      }
      route.plan.counter.hit(at.key, lookup.entry.createdAt);
      // What Nest sets before its interceptors on every request of the route (`@Header()`).
      for (const { name, value } of route.headers) {
        res.header(name, typeof value === 'function' ? value() : value);
      }
      if (this.options.xCacheHeader !== false) res.header(this.options.xCacheHeader, 'HIT');
      const stored = storedResponse(lookup.entry);
      const answer = cachedAnswer(stored, req, route.plan.validators, Date.now(), 'HIT');
      sendStored(res, stored, answer);
      return true;
    });
  }
}

function contextOf(route: FastRoute, req: unknown, res: unknown): ExecutionContext {
  const host = new ExecutionContextHost(
    [req, res, undefined],
    route.cls as never,
    route.handler as never,
  );
  host.setType('http');
  return host;
}

const paths = new WeakMap<CacheEngine, FastPath>();

/** The fast path of an engine (one per cache module instance). */
export function fastPathOf(engine: CacheEngine, options: ResolvedCacheOptions): FastPath {
  let fast = paths.get(engine);
  if (fast === undefined) paths.set(engine, (fast = new FastPath(engine, options)));
  return fast;
}
