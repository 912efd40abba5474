import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';

/** The stable facts about one provider whose methods are cached. */
export interface ProviderFacts {
  /** The provider's instance (two tokens may lead to one instance: it gets one identity). */
  readonly instance: object;
  /** The instance's class name. */
  readonly className: string;
  /** The name of the module that declares the provider. */
  readonly moduleName: string;
  /** The DI token's name (a class's name, a string, a symbol's description). */
  readonly tokenName: string;
  /** True when the token is the class itself (`providers: [ApiClient]`). */
  readonly tokenIsClass: boolean;
  /** The identity pinned with `@CacheIdentity`, if any. */
  readonly pinned?: string;
}

/**
 * The identity of each provider: the prefix of its methods' default keys. It comes only from
 * stable facts (pinned identity, class name, DI token name, module name), never from a class object
 * or a discovery order, so every process and every deploy of an app agrees on it, and two apps
 * sharing a store share entries. A class name used by one provider is its identity; providers
 * that share one get, in this order, what tells them apart: their token (`ApiClient[BILLING_API]`),
 * then their module (`BillingModule/ApiClient`). When nothing does, or a pinned identity is used
 * twice, bootstrap fails with a `CacheConfigError` asking for `@CacheIdentity`.
 */
export function assignIdentities(providers: readonly ProviderFacts[]): Map<object, string> {
  const groups = new Map<string, ProviderFacts[]>();
  const seen = new Set<object>();
  for (const provider of providers) {
    if (seen.has(provider.instance)) continue;
    seen.add(provider.instance);
    const base = provider.pinned ?? provider.className;
    groups.set(base, [...(groups.get(base) ?? []), provider]);
  }
  const identities = new Map<object, string>();
  for (const [base, group] of groups) {
    for (const [provider, identity] of identify(base, group)) {
      identities.set(provider.instance, identity);
    }
  }
  return identities;
}

function identify(base: string, group: ProviderFacts[]): [ProviderFacts, string][] {
  if (group.length === 1) return [[group[0], base]];
  const names = group.map(describe);
  if (group.some((provider) => provider.pinned !== undefined)) {
    throw new CacheConfigError(messages.identityTaken(base, names), CacheErrorCode.InvalidOption);
  }
  const byToken = (p: ProviderFacts) => (p.tokenIsClass ? base : `${base}[${p.tokenName}]`);
  const byModule = (p: ProviderFacts) => `${p.moduleName}/${byToken(p)}`;
  for (const name of [byToken, byModule]) {
    const ids = group.map(name);
    if (new Set(ids).size === ids.length) return group.map((p, i) => [p, ids[i]]);
  }
  throw new CacheConfigError(messages.identityAmbiguous(base, names), CacheErrorCode.InvalidOption);
}

function describe(provider: ProviderFacts): string {
  const token = provider.tokenIsClass ? '' : ` (token ${provider.tokenName})`;
  return `${provider.moduleName}/${provider.className}${token}`;
}

/** A DI token's stable name. */
export function tokenName(token: unknown): string {
  if (typeof token === 'function') return token.name || 'anonymous';
  if (typeof token === 'symbol') return token.description ?? 'symbol';
  return String(token);
}
