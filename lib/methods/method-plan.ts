import {
  CachedMetadata,
  CacheEvictMetadata,
  KeySource,
  renderKey,
} from '../metadata/cached-metadata';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { defaultMethodKey } from '../keys/method-key';
import { WrapPolicy } from '../core/value-cache';
import { LockPolicy, resolveLock } from '../core/lock-policy';
import { MaybePromise } from '../stores/cache-store.interface';
import { isThenable } from '../utils/is-thenable';
import { SourceCounter } from '../core/source.counter';

/** A decorated provider method, worked out once at bootstrap. */
export interface MethodPlan {
  where: string;
  /** `Class.method`: the implicit tag. */
  name: string;
  /** The default key's prefix: the provider's identity and the method (`Class.method` mostly). */
  keyPrefix: string;
  cached?: CachedMetadata;
  evict?: CacheEvictMetadata;
  ttl: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  flightTimeout: number;
  /** The counters of a `@Cached` / `@CachePut` method, allocated at bootstrap. */
  counter?: SourceCounter;
  /** Hits share one deep-frozen value (`values: 'frozen'`). */
  frozen: boolean;
  /** Distributed single-flight; `undefined` when off. */
  lock?: LockPolicy;
}

export function buildMethodPlan(
  className: string,
  method: string,
  cached: CachedMetadata | undefined,
  evict: CacheEvictMetadata | undefined,
  options: ResolvedCacheOptions,
  identity: string = className,
): MethodPlan {
  return {
    where: `${className}@${method}`,
    name: `${className}.${method}`,
    keyPrefix: `${identity}.${method}`,
    cached,
    evict,
    ttl: cached?.ttl ?? options.ttl,
    staleWhileRevalidate: cached?.staleWhileRevalidate ?? options.staleWhileRevalidate,
    staleIfError: cached?.staleIfError ?? options.staleIfError,
    flightTimeout: cached?.flightTimeout ?? options.flightTimeout,
    frozen: (cached?.values ?? options.values) === 'frozen',
    lock: resolveLock(cached?.distributedLock, options.distributedLock),
  };
}

/**
 * The key of one call. Throws a `TypeError` for arguments that cannot be hashed, or what a key
 * function threw; rejects when its promise does.
 */
export function methodKey(plan: MethodPlan, args: unknown[]): MaybePromise<string> {
  const key = plan.cached?.key;
  return key === undefined ? defaultMethodKey(plan.keyPrefix, args) : renderAsync(key, args);
}

/** Renders key or tag templates from a call's arguments; functions may return promises. */
export function renderFromArgs(
  sources: readonly KeySource[],
  args: unknown[],
): MaybePromise<string[]> {
  const rendered = sources.map((source) => renderAsync(source, args));
  return rendered.some(isThenable) ? Promise.all(rendered) : (rendered as string[]);
}

function renderAsync(source: KeySource, args: unknown[]): MaybePromise<string> {
  if (typeof source !== 'function') return renderKey(source, args, args);
  const key = source(...args) as unknown;
  if (!isThenable(key)) return renderKey(() => key as string, args, args);
  return Promise.resolve(key).then((resolved) => renderKey(() => resolved as string, args, args));
}

/**
 * The policy of one call. `unless` never throws: a callback that throws or rejects means "do not
 * store", reported through `onFailure`.
 */
export function wrapPolicy(
  plan: MethodPlan,
  args: unknown[],
  tags: readonly string[],
  onFailure: (callback: string, error: unknown) => void,
): WrapPolicy {
  const cached = plan.cached!;
  const unless = cached.unless;
  return {
    ttl: plan.ttl,
    ttlOf: cached.ttlOf,
    where: plan.where,
    tags: [plan.name, ...tags],
    staleWhileRevalidate: plan.staleWhileRevalidate,
    staleIfError: plan.staleIfError,
    flightTimeout: plan.flightTimeout,
    source: plan.counter,
    frozen: plan.frozen,
    lock: plan.lock,
    unless: unless
      ? (value) => {
          const refuse = (error: unknown) => (onFailure('unless', error), true);
          try {
            const answer = unless(value, ...args) as unknown;
            if (!isThenable(answer)) return Boolean(answer);
            return Promise.resolve(answer).then(Boolean, refuse);
          } catch (error) {
            return refuse(error);
          }
        }
      : undefined,
  };
}
