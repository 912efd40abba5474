import {
  CachedMetadata,
  CacheEvictMetadata,
  KeySource,
  renderKey,
} from '../metadata/cached-metadata';
import { ResolvedCacheOptions } from '../interfaces/cache-module-options.interface';
import { defaultMethodKey } from '../keys/method-key';
import { WrapPolicy } from '../core/value-cache';

/** A decorated provider method, worked out once at bootstrap. */
export interface MethodPlan {
  where: string;
  /** `Class.method`: the implicit tag. */
  name: string;
  /** The default key's prefix: `name`, or `Class#2.method` for a second class of that name. */
  keyPrefix: string;
  cached?: CachedMetadata;
  evict?: CacheEvictMetadata;
  ttl: number;
  staleWhileRevalidate: number;
  staleIfError: number;
}

export function buildMethodPlan(
  className: string,
  method: string,
  cached: CachedMetadata | undefined,
  evict: CacheEvictMetadata | undefined,
  options: ResolvedCacheOptions,
  classId: string = className,
): MethodPlan {
  return {
    where: `${className}@${method}`,
    name: `${className}.${method}`,
    keyPrefix: `${classId}.${method}`,
    cached,
    evict,
    ttl: cached?.ttl ?? options.ttl,
    staleWhileRevalidate: cached?.staleWhileRevalidate ?? options.staleWhileRevalidate,
    staleIfError: cached?.staleIfError ?? options.staleIfError,
  };
}

/** The key of one call; throws a `TypeError` for arguments that cannot be hashed. */
export function methodKey(plan: MethodPlan, args: unknown[]): string {
  const key = plan.cached?.key;
  return key === undefined ? defaultMethodKey(plan.keyPrefix, args) : renderKey(key, args, args);
}

/** Renders key or tag templates from a call's arguments. */
export function renderFromArgs(sources: readonly KeySource[], args: unknown[]): string[] {
  return sources.map((source) => renderKey(source, args, args));
}

export function wrapPolicy(plan: MethodPlan, args: unknown[]): WrapPolicy {
  const cached = plan.cached!;
  return {
    ttl: plan.ttl,
    tags: [plan.name, ...renderFromArgs(cached.tags, args)],
    staleWhileRevalidate: plan.staleWhileRevalidate,
    staleIfError: plan.staleIfError,
    unless: cached.unless ? (value) => cached.unless!(value, ...args) : undefined,
  };
}
