import { CacheConfigError } from '../../../lib/errors/cache-config.error';
import { loadOptional } from '../../../lib/metrics/optional-package';

describe('loadOptional', () => {
  it('turns a package that is not installed into a CacheConfigError saying what to install', async () => {
    const failure = await loadOptional(
      () => import('nestjs-cached-no-such-package' as string),
      'nestjs-cached-no-such-package',
      'metrics.prometheus',
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CacheConfigError);
    expect((failure as Error).message).toBe(
      "CacheModule: metrics.prometheus needs the package 'nestjs-cached-no-such-package', which " +
        'is not installed; run npm install nestjs-cached-no-such-package or remove metrics.prometheus',
    );
  });

  it('says which line to install when the package is ES-module-only for a CommonJS app', async () => {
    const esm = Object.assign(new Error('require() of ES Module'), { code: 'ERR_REQUIRE_ESM' });
    const failure = await loadOptional(
      () => Promise.reject(esm),
      '@nestjs/event-emitter',
      'events',
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CacheConfigError);
    expect((failure as Error).message).toContain('@nestjs/event-emitter@3');
  });

  it('lets any other failure of the package through, as it is', async () => {
    const broken = new TypeError('the package failed while loading');
    await expect(loadOptional(() => Promise.reject(broken), 'x', 'events')).rejects.toBe(broken);
  });

  it('resolves the package when it is there', async () => {
    const client = await loadOptional(() => import('prom-client'), 'prom-client', 'metrics');
    expect(typeof client.Counter).toBe('function');
  });
});
