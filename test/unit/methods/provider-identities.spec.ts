import { CacheConfigError } from '../../../lib/errors/cache-config.error';
import { assignIdentities, ProviderFacts } from '../../../lib/methods/provider-identities';

const provider = (facts: Partial<ProviderFacts> & { className: string }): ProviderFacts => ({
  instance: {},
  moduleName: 'AppModule',
  tokenName: facts.className,
  tokenIsClass: true,
  ...facts,
});

const ids = (providers: ProviderFacts[]) =>
  providers.map((p) => assignIdentities(providers).get(p.instance));

describe('assignIdentities', () => {
  it('does not depend on the order providers are discovered in', () => {
    const a = provider({ className: 'Repo', moduleName: 'ShopModule' });
    const b = provider({ className: 'Repo', moduleName: 'AdminModule' });
    const c = provider({ className: 'Api', tokenName: 'A', tokenIsClass: false });
    const d = provider({ className: 'Api', tokenName: 'B', tokenIsClass: false });
    expect(ids([a, b, c, d])).toEqual(['ShopModule/Repo', 'AdminModule/Repo', 'Api[A]', 'Api[B]']);
    expect(ids([d, c, b, a])).toEqual(['Api[B]', 'Api[A]', 'AdminModule/Repo', 'ShopModule/Repo']);
  });

  it('gives one instance reached by two tokens one identity', () => {
    const instance = {};
    const a = provider({ className: 'Api', instance });
    const b = provider({ className: 'Api', instance, tokenName: 'ALIAS', tokenIsClass: false });
    expect(assignIdentities([a, b]).get(instance)).toBe('Api');
  });

  it('keeps a pinned identity, and refuses one pinned twice', () => {
    expect(ids([provider({ className: 'Api', pinned: 'billing.Api' })])).toEqual(['billing.Api']);
    expect(() =>
      assignIdentities([
        provider({ className: 'A', pinned: 'x' }),
        provider({ className: 'B', pinned: 'x' }),
      ]),
    ).toThrow(CacheConfigError);
  });

  it('refuses providers nothing tells apart, naming @CacheIdentity', () => {
    expect(() =>
      assignIdentities([provider({ className: 'Repo' }), provider({ className: 'Repo' })]),
    ).toThrow(/@CacheIdentity/);
  });
});
