import { CacheKeyFactoryClass } from '../interfaces/cache-key-factory.interface';
import { CompiledTemplate } from '../keys/key-template';
import type { ValidatorOptions } from '../http/validators/validator-options';
import { LockSetting } from '../core/lock-policy';

/** A key or tag as written on a decorator: a compiled template or a user function. */
export type KeySource = CompiledTemplate | ((...args: any[]) => string);

/** What `@Cached` / `@CachePut` record, validated and compiled at decoration time. */
export interface CachedMetadata {
  /** `Class@method`, or `Class` for a class-level decorator. */
  where: string;
  put: boolean;
  ttl?: number;
  /** `ttl` given as a function of the result (provider methods). */
  ttlOf?: (result: unknown) => unknown;
  key?: KeySource;
  tags: KeySource[];
  scope?: 'public' | 'user';
  condition?: (...args: any[]) => boolean;
  unless?: (result: any, ...args: any[]) => boolean;
  /** Lower-cased request header names. */
  vary: string[];
  staleWhileRevalidate?: number;
  staleIfError?: number;
  keyFactory?: CacheKeyFactoryClass;
  flightTimeout?: number;
  /** GraphQL: the sub-selection is part of the key. */
  selection?: boolean;
  /** HTTP validator options given on the decorator (the module's fill the rest). */
  validators: Partial<ValidatorOptions>;
  /** Opt in (or out) of the fast path for this route; the module's when undefined. */
  fastPath?: boolean;
  /** `'frozen'`: hits share one deep-frozen value; the module's when undefined. */
  values?: 'copies' | 'frozen';
  /** `distributedLock` as the decorator says it; `undefined`: the module's. */
  distributedLock?: LockSetting;
}

/** What `@CacheEvict` records. */
export interface CacheEvictMetadata {
  where: string;
  /** `'user'`: the keys name the current request's user's own entries. */
  scope?: 'user';
  keys: KeySource[];
  tags: KeySource[];
  all: boolean;
  before: boolean;
}

/** Renders a key source against a template root (HTTP) or spreads arguments (functions). */
export function renderKey(source: KeySource, root: unknown, args: readonly unknown[]): string {
  if (typeof source !== 'function') return source.render(root);
  const key = source(...args);
  // `undefined` would otherwise become the key "undefined", shared by every such call.
  if (key === undefined || key === null) throw new TypeError(`a key function returned ${key}`);
  return String(key);
}
