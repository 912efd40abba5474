import { ExecutionContext, Logger } from '@nestjs/common';
import { CacheEngine } from '../core/cache.engine';
import { FlightResult, Ticket } from '../core/flight';
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
 * Failures of the store or of user callbacks cost the cache, never the call.
 */
export class ContextCacheFlow {
  private readonly logger = new Logger('CacheModule');
  private readonly warned = new Set<string>();

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
    if (facts.skip === 'no-parent-id') {
      this.warnOnce(`${plan.where}:parent`, () => messages.fieldWithoutParentId(plan.where));
    }
    if (facts.skip !== undefined || !this.passes(plan, ctx)) return this.bypass(run);
    let user: string | undefined;
    if (cached.scope === 'user') {
      user = userIdentity(ctx, this.options.userKey, (message) =>
        this.warnOnce(`${plan.where}:userKey`, () => message(plan.where)),
      );
      if (user === undefined) return this.bypass(run);
    } else if (cached.scope !== 'public' && facts.identified) {
      return this.bypass(run);
    }
    let key: string | undefined;
    let tags: string[];
    try {
      key = await this.keyOf(plan, ctx, facts);
      tags = [facts.source ?? plan.source!, ...this.render(cached.tags, facts, ctx)];
    } catch (error) {
      this.warnOnce(`${plan.where}:key`, () => messages.keyFailed(plan.where, errorText(error)));
      return this.bypass(run);
    }
    if (key === undefined) return this.bypass(run);
    if (cached.put) return this.put(plan, ctx, facts, key, tags, user, run);
    return this.read(plan, ctx, facts, key, tags, user, run);
  }

  /** Renders `@CacheEvict` keys or tags for this call. */
  render(sources: readonly KeySource[], facts: CallFacts, ctx: ExecutionContext): string[] {
    return sources.map((source) => renderKey(source, facts.root, [ctx]));
  }

  private async read(
    plan: ContextPlan,
    ctx: ExecutionContext,
    facts: CallFacts,
    key: string,
    tags: string[],
    user: string | undefined,
    run: RunHandler,
  ): Promise<unknown[]> {
    const { stats } = this.engine;
    const found = await this.engine.lookup(key, user);
    if (found.state !== 'miss') {
      const value = this.engine.decodeValue(key, found.entry, user);
      if (value !== UNDECODABLE) {
        if (found.state === 'fresh') {
          stats.hits++;
          return [value];
        }
        if (found.staleForMs <= plan.staleWhileRevalidate) {
          stats.staleHits++;
          this.compute(plan, ctx, facts, key, tags, user, run).catch((error) =>
            this.logger.error(messages.backgroundRefreshFailed(key, error)),
          );
          return [value];
        }
        if (found.staleForMs <= plan.staleIfError) {
          stats.misses++;
          return this.compute(plan, ctx, facts, key, tags, user, run).catch((error) => {
            this.logger.warn(messages.staleIfError(key, error));
            stats.staleHits++;
            return [value];
          });
        }
      }
    }
    stats.misses++;
    return this.compute(plan, ctx, facts, key, tags, user, run);
  }

  /** One run per key at a time; joiners get their own copy of a stored single value. */
  private async compute(
    plan: ContextPlan,
    ctx: ExecutionContext,
    facts: CallFacts,
    key: string,
    tags: string[],
    user: string | undefined,
    run: RunHandler,
  ): Promise<unknown[]> {
    const { leader, promise } = this.engine.flight<unknown[]>(
      key,
      tags,
      async (ticket) => {
        const values = await run();
        const result: FlightResult<unknown[]> = { value: values };
        result.payload = await this.store(plan, ctx, facts, ticket, key, values);
        return result;
      },
      user,
      plan.flightTimeout,
    );
    const result = await promise;
    return leader || result.own ? result.value : [deserializeValue(result.payload!)];
  }

  /** `@CachePut`: always runs, then stores; newer than any computation in progress. */
  private async put(
    plan: ContextPlan,
    ctx: ExecutionContext,
    facts: CallFacts,
    key: string,
    tags: string[],
    user: string | undefined,
    run: RunHandler,
  ): Promise<unknown[]> {
    this.engine.supersede(key, user);
    const ticket = await this.engine.begin(key, tags, user);
    try {
      const values = await run();
      await this.store(plan, ctx, facts, ticket, key, values);
      return values;
    } finally {
      this.engine.release(ticket);
    }
  }

  /** Stores a single value (not `undefined`, not refused by `unless`); returns its stored form. */
  private async store(
    plan: ContextPlan,
    ctx: ExecutionContext,
    facts: CallFacts,
    ticket: Ticket,
    key: string,
    values: unknown[],
  ): Promise<string | undefined> {
    if (values.length > 1) {
      this.warnOnce(`${plan.where}:emissions`, () => messages.multipleEmissions(plan.where));
      return undefined;
    }
    const value = values[0];
    if (values.length === 0 || value === undefined || this.refused(plan, value, ctx)) return;
    let storable: unknown = value;
    try {
      if (facts.storable) storable = await facts.storable(value);
    } catch (error) {
      // The type of an abstract result could not be told: storing it would make hits fail.
      this.warnOnce(`${plan.where}:type`, () =>
        messages.requestCallbackFailed(plan.where, 'resolveType', errorText(error)),
      );
      return undefined;
    }
    const payload = this.engine.serialize(key, storable);
    if (payload === undefined) return undefined;
    await this.engine.commit(ticket, payload, {
      ttl: plan.ttl,
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

  private bypass(run: RunHandler): Promise<unknown[]> {
    this.engine.stats.bypasses++;
    return run();
  }

  private warnOnce(id: string, message: () => string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.logger.warn(message());
  }
}
