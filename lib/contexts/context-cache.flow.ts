import { ExecutionContext, Logger } from '@nestjs/common';
import { CacheEngine } from '../core/cache.engine';
import { FlightResult, Ticket } from '../core/flight';
import { resultTtl, WarnOnce } from '../core/result-ttl';
import { SourceCounter } from '../core/source.counter';
import { deserializeValue, UNDECODABLE } from '../core/value.serializer';
import { errorText, messages } from '../errors/cache.messages';
import { userIdentity } from '../http/user-identity';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { KeyFactoryRegistry } from '../keys/key-factory.registry';
import { KeySource, renderKey } from '../metadata/cached-metadata';
import { CallFacts } from './context-call';
import { ContextPlan } from './context-plan';

/** Runs the handler; resolves every value it produced (an Observable may emit several). */
export type RunHandler = () => Promise<unknown[]>;

/**
 * Caches one call of a resolver, message handler or gateway handler: privacy, key, lookup (fresh,
 * stale-while-revalidate, stale-if-error), one run per key at a time, and a write of single
 * values only. Works on values, never on transports: a hit sets no header and touches no adapter.
 * Failures of the store or of user callbacks cost the cache, never the call. Counts per source
 * (the plan's counter): lookups, joins, writes, and why a value was not stored.
 */
export class ContextCacheFlow {
  private readonly logger = new Logger('CacheModule');
  private readonly warned = new Set<string>();
  private readonly ttlWarned = new WarnOnce(this.logger);

  constructor(
    private readonly engine: CacheEngine,
    private readonly options: ResolvedCacheOptions,
    private readonly keyFactories: KeyFactoryRegistry,
  ) {}

  async serve(
    plan: ContextPlan,
    ctx: ExecutionContext,
    facts: CallFacts,
    run: RunHandler,
  ): Promise<unknown[]> {
    const cached = plan.cached!;
    const counter = this.counterOf(plan, facts);
    if (facts.skip === 'no-parent-id') {
      this.warnOnce(`${plan.where}:parent`, () => messages.fieldWithoutParentId(plan.where));
    }
    if (facts.skip !== undefined || !this.passes(plan, ctx)) return this.bypass(counter, run);
    let user: string | undefined;
    if (cached.scope === 'user') {
      user = userIdentity(ctx, this.options.userKey, (message) =>
        this.warnOnce(`${plan.where}:userKey`, () => message(plan.where)),
      );
      if (user === undefined) return this.bypass(counter, run);
    } else if (cached.scope !== 'public' && facts.identified) {
      return this.bypass(counter, run);
    }
    let key: string | undefined;
    let tags: string[];
    try {
      key = await this.keyOf(plan, ctx, facts);
      tags = [facts.source ?? plan.source!, ...this.render(cached.tags, facts, ctx)];
    } catch (error) {
      this.warnOnce(`${plan.where}:key`, () => messages.keyFailed(plan.where, errorText(error)));
      return this.bypass(counter, run);
    }
    if (key === undefined) return this.bypass(counter, run);
    const call: Call = { plan, ctx, facts, counter, key, tags, user, run };
    if (cached.put) return this.put(call);
    return this.read(call);
  }

  /** Renders `@CacheEvict` keys or tags for this call. */
  render(sources: readonly KeySource[], facts: CallFacts, ctx: ExecutionContext): string[] {
    return sources.map((source) => renderKey(source, facts.root, [ctx]));
  }

  private async read(call: Call): Promise<unknown[]> {
    const { plan, counter, key, user } = call;
    const found = await this.engine.lookup(key, user);
    if (found.state !== 'miss') {
      const value = this.engine.decodeValue(key, found.entry, user);
      if (value !== UNDECODABLE) {
        const { createdAt } = found.entry;
        if (found.state === 'fresh') {
          counter.hit(key, createdAt);
          return [value];
        }
        if (found.staleForMs <= plan.staleWhileRevalidate) {
          counter.stale(key, createdAt);
          this.compute(call).catch((error) =>
            this.logger.error(messages.backgroundRefreshFailed(key, error)),
          );
          return [value];
        }
        if (found.staleForMs <= plan.staleIfError) {
          counter.miss(key);
          return this.compute(call).catch((error) => {
            this.logger.warn(messages.staleIfError(key, error));
            counter.missServedStale(key, createdAt);
            return [value];
          });
        }
      }
    }
    counter.miss(key, found);
    return this.compute(call);
  }

  /** One run per key at a time; joiners get their own copy of a stored single value. */
  private async compute(call: Call): Promise<unknown[]> {
    const { plan, counter, key, tags, user } = call;
    const { leader, promise } = this.engine.flight<unknown[]>(
      key,
      tags,
      async (ticket) => {
        const values = await this.run(call);
        const result: FlightResult<unknown[]> = { value: values };
        result.payload = await this.store(call, ticket, values);
        return result;
      },
      user,
      plan.flightTimeout,
    );
    const result = await promise;
    if (leader || result.own) return result.value;
    counter.joined(); // only a caller that used the shared result saved a run
    return [deserializeValue(result.payload!)];
  }

  /** `@CachePut`: always runs, then stores; newer than any computation in progress. */
  private async put(call: Call): Promise<unknown[]> {
    const { key, tags, user } = call;
    this.engine.supersede(key, user);
    const ticket = await this.engine.begin(key, tags, user);
    try {
      const values = await this.run(call);
      await this.store(call, ticket, values);
      return values;
    } finally {
      this.engine.release(ticket);
    }
  }

  /** Runs the handler; a rejection is counted as not stored (`error`) and passed on. */
  private async run(call: Call): Promise<unknown[]> {
    try {
      return await call.run();
    } catch (error) {
      call.counter.refused('error', call.key);
      throw error;
    }
  }

  /**
   * Stores a single value (not `undefined`, not refused by `unless`, with a valid ttl when `ttl`
   * is a function of it); returns its stored form. What is not stored is counted, with why.
   */
  private async store(call: Call, ticket: Ticket, values: unknown[]): Promise<string | undefined> {
    const { plan, ctx, facts, counter, key } = call;
    if (values.length > 1) {
      this.warnOnce(`${plan.where}:emissions`, () => messages.multipleEmissions(plan.where));
      return void counter.refused('stream', key);
    }
    const value = values[0];
    if (values.length === 0 || value === undefined) {
      return void counter.refused('unserializable', key);
    }
    if (this.refused(plan, value, ctx)) return void counter.refused('unless', key);
    const ttlOf = plan.cached!.ttlOf;
    const ttl = ttlOf ? resultTtl(plan.where, value, ttlOf, this.ttlWarned) : plan.ttl;
    if (ttl === undefined) return void counter.refused('unless', key);
    let storable: unknown = value;
    try {
      if (facts.storable) storable = await facts.storable(value);
    } catch (error) {
      // The type of an abstract result could not be told: storing it would make hits fail.
      this.warnOnce(`${plan.where}:type`, () =>
        messages.requestCallbackFailed(plan.where, 'resolveType', errorText(error)),
      );
      return void counter.refused('unserializable', key);
    }
    const payload = this.engine.serialize(key, storable);
    if (payload === undefined) return void counter.refused('unserializable', key);
    await this.engine.commit(ticket, payload, {
      source: counter,
      ttl,
      staleWindow: Math.max(plan.staleWhileRevalidate, plan.staleIfError),
    });
    return payload;
  }

  private refused(plan: ContextPlan, value: unknown, ctx: ExecutionContext): boolean {
    const unless = plan.cached!.unless;
    if (unless === undefined) return false;
    try {
      return Boolean(unless(value, ctx));
    } catch (error) {
      this.warnOnce(`${plan.where}:unless`, () =>
        messages.requestCallbackFailed(plan.where, 'unless', errorText(error)),
      );
      return true;
    }
  }

  private passes(plan: ContextPlan, ctx: ExecutionContext): boolean {
    const condition = plan.cached!.condition;
    if (condition === undefined) return true;
    try {
      return Boolean(condition(ctx));
    } catch (error) {
      this.warnOnce(`${plan.where}:condition`, () =>
        messages.requestCallbackFailed(plan.where, 'condition', errorText(error)),
      );
      return false;
    }
  }

  /** The template's or the default key, passed through the decorator's key factory if any. */
  private async keyOf(
    plan: ContextPlan,
    ctx: ExecutionContext,
    facts: CallFacts,
  ): Promise<string | undefined> {
    const cached = plan.cached!;
    const key = cached.key ? renderKey(cached.key, facts.root, [ctx]) : facts.defaultKey();
    if (cached.keyFactory === undefined) return key;
    const factory =
      this.keyFactories.get(cached.keyFactory) ??
      (await this.keyFactories.resolve(cached.keyFactory, plan.where));
    const built = await factory.build(ctx, key);
    return built === undefined || built === null ? undefined : String(built);
  }

  private bypass(counter: SourceCounter, run: RunHandler): Promise<unknown[]> {
    counter.bypass();
    return run();
  }

  /**
   * The plan's counters, allocated at bootstrap; a resolver whose type its metadata does not
   * name (see `ContextPlan.source`) gets them on its first call.
   */
  private counterOf(plan: ContextPlan, facts: CallFacts): SourceCounter {
    plan.counter ??= this.engine.stats.source(plan.source ?? facts.source!, plan.kind);
    return plan.counter;
  }

  private warnOnce(id: string, message: () => string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.logger.warn(message());
  }
}

/** One call on its way through the cache. */
interface Call {
  plan: ContextPlan;
  ctx: ExecutionContext;
  facts: CallFacts;
  counter: SourceCounter;
  key: string;
  tags: string[];
  user: string | undefined;
  run: RunHandler;
}
