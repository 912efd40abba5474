import { Logger } from '@nestjs/common';
import { CacheEngine, Lookup } from '../core/cache.engine';
import { UNDECODABLE } from '../core/value.serializer';
import { defaultMethodKey } from '../keys/method-key';
import { MaybePromise } from '../stores/cache-store.interface';
import { ValueCache, WrapPolicy } from '../core/value-cache';
import { errorText, messages } from '../errors/cache.messages';
import { isThenable } from '../utils/is-thenable';
import { MethodPlan, methodKey, renderFromArgs, wrapPolicy } from './method-plan';

type Method = (...args: unknown[]) => unknown;

/**
 * Runs one call of a decorated provider method: `@Cached` reads through the cache (one execution
 * per key at a time), `@CachePut` always runs and stores, `@CacheEvict` evicts after success (or
 * before). A method that turns out to return a plain value keeps its type: it runs uncached, with
 * one warning naming it.
 */
export class MethodRunner {
  private readonly logger = new Logger('CacheModule');
  private readonly values: ValueCache;
  private readonly warned = new Set<string>();

  constructor(private readonly engine: CacheEngine) {
    this.values = new ValueCache(engine);
  }

  /** Returns the replacement for `original`, bound to nothing: `this` is the caller's. */
  wrap(original: Method, plan: MethodPlan, returnsPromise: boolean): Method {
    const runner = this;
    // Whether the method returns a Promise: declared, or learnt from its first call.
    let kind: 'promise' | 'plain' | 'unknown' = returnsPromise ? 'promise' : 'unknown';
    return function cachedMethod(this: unknown, ...args: unknown[]) {
      const call = () => original.apply(this, args);
      if (kind === 'promise') return runner.run(plan, args, call, true);
      // A plain-value method (or one whose return type was not declared, on its first call) runs
      // as it is: it must not start returning a Promise.
      if (plan.evict?.before) runner.evictLater(plan, args);
      const result = call();
      if (kind === 'unknown' && result instanceof Promise) {
        kind = 'promise';
        // The first call already runs: its promise goes through the cache as the computation.
        result.catch(() => undefined);
        return runner.run(plan, args, () => result, false);
      }
      if (kind === 'unknown') {
        kind = 'plain';
        // A thenable that is not a Promise (a Knex or Mongoose query builder) is chained on by its
        // callers: turning it into a Promise would break them.
        const message = isThenable(result) ? messages.thenableMethod : messages.syncMethod;
        if (plan.cached) runner.warnOnce(plan.where, message(plan.where));
      }
      if (!plan.evict || plan.evict.before) return result;
      if (!(result instanceof Promise)) return (runner.evictLater(plan, args), result);
      return Promise.resolve(result).then(async (value) => {
        await runner.evict(plan, args);
        return value;
      });
    };
  }

  /** Evicts without making the caller wait (plain-value methods); a failure is logged. */
  private evictLater(plan: MethodPlan, args: unknown[]): void {
    this.evict(plan, args).catch((error) =>
      this.logger.error(`${plan.where}: ${errorText(error)}`),
    );
  }

  /** Never throws: a failure of the method or of a user callback rejects the returned promise. */
  private run(plan: MethodPlan, args: unknown[], call: () => unknown, evictBefore: boolean) {
    const { cached, evict } = plan;
    if (!evict && cached) return this.cache(plan, args, call);
    const body = async () => (cached ? this.cache(plan, args, call) : call());
    if (!evict) return body();
    if (evict.before) return evictBefore ? this.evict(plan, args).then(body) : body();
    return body().then(async (value) => {
      await this.evict(plan, args);
      return value;
    });
  }

  /**
   * `@Cached` / `@CachePut`. A `condition`, `key` or tag callback that throws or rejects costs the
   * cache, never the call: it runs uncached, with one warning naming `Class@method`.
   */
  private cache(plan: MethodPlan, args: unknown[], call: () => unknown): Promise<unknown> {
    const cached = plan.cached!;
    // A route with no user callback before the read (the default key, no condition): the read is
    // made at once and a fresh hit answered without a promise chain; anything else goes on with
    // what was read.
    if (cached.condition !== undefined || cached.key !== undefined || cached.put) {
      return this.cacheFully(plan, args, call);
    }
    let key: string;
    try {
      key = defaultMethodKey(plan.keyPrefix, args);
    } catch {
      return this.cacheFully(plan, args, call);
    }
    const found = this.engine.lookup(key);
    if (!isThenable(found) && found.state === 'fresh') {
      const value = this.engine.decodeValue(key, found.entry, undefined, plan.frozen);
      if (value !== UNDECODABLE) {
        if (plan.counter !== undefined) plan.counter.hit(key, found.entry.createdAt);
        else this.engine.stats.hits++;
        return Promise.resolve(value);
      }
    }
    return this.cacheFully(plan, args, call, { key, found });
  }

  private async cacheFully(
    plan: MethodPlan,
    args: unknown[],
    call: () => unknown,
    read?: { key: string; found: MaybePromise<Lookup> },
  ): Promise<unknown> {
    const cached = plan.cached!;
    let stage = 'condition';
    let key: string;
    let policy: WrapPolicy;
    try {
      // Awaited only when a callback returned a promise: a hit stays free of extra turns.
      const condition = cached.condition ? cached.condition(...args) : true;
      if (!(isThenable(condition) ? await condition : condition)) {
        plan.counter!.bypass();
        return call();
      }
      stage = 'key';
      const rendered = read?.key ?? methodKey(plan, args);
      key = isThenable<string>(rendered) ? await rendered : rendered;
      stage = 'tags';
      const sources = renderFromArgs(cached.tags, args);
      const tags = isThenable<string[]>(sources) ? await sources : sources;
      policy = wrapPolicy(plan, args, tags, (callback, error) =>
        this.callbackFailed(plan, callback, error),
      );
    } catch (error) {
      if (stage === 'key' && cached.key === undefined) {
        this.warnOnce(plan.where, messages.argumentsNotHashable(plan.where, errorText(error)));
      } else {
        this.callbackFailed(plan, stage, error);
      }
      plan.counter!.bypass();
      return call();
    }
    if (read !== undefined) {
      return this.values.answer(key, await read.found, call as () => Promise<unknown>, policy);
    }
    if (!cached.put) return this.values.wrap(key, call as () => Promise<unknown>, policy);
    return this.put(key, policy, call);
  }

  private callbackFailed(plan: MethodPlan, callback: string, error: unknown): void {
    this.warnOnce(
      `${plan.where}#${callback}`,
      messages.callbackFailed(plan.where, callback, error),
    );
  }

  /** `@CachePut`: always runs; a newer value than any computation in progress. */
  private async put(key: string, policy: WrapPolicy, call: () => unknown) {
    this.engine.supersede(key);
    const ticket = await this.engine.begin(key, policy.tags);
    try {
      const value = await call();
      await this.values.store(ticket, key, value, policy);
      return value;
    } finally {
      this.engine.release(ticket);
    }
  }

  private async evict(plan: MethodPlan, args: unknown[]): Promise<void> {
    const evict = plan.evict!;
    if (evict.all) return this.engine.clear();
    const [keys, tags] = await Promise.all([
      renderFromArgs(evict.keys, args),
      renderFromArgs(evict.tags, args),
    ]);
    await this.engine.evict(keys, tags);
  }

  private warnOnce(where: string, message: string): void {
    if (this.warned.has(where)) return;
    this.warned.add(where);
    this.logger.warn(message);
  }
}
