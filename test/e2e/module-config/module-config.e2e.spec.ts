import { Controller, Get, Injectable, Module } from '@nestjs/common';
import {
  Cached,
  CacheConfigError,
  CacheModule,
  CacheModuleOptions,
  CacheOptionsFactory,
} from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let calls = 0;

@Controller('items')
class ItemsController {
  @Get()
  @Cached()
  list() {
    calls++;
    return { calls };
  }
}

/** A config provider the async variants inject. */
@Injectable()
class CacheSettings {
  readonly header = 'X-From-Settings';
}

@Module({ providers: [CacheSettings], exports: [CacheSettings] })
class SettingsModule {}

@Injectable()
class CacheConfig implements CacheOptionsFactory {
  constructor(private readonly settings: CacheSettings) {}
  createCacheOptions(): CacheModuleOptions {
    return { ttl: '1m', xCacheHeader: this.settings.header };
  }
}

@Module({ imports: [SettingsModule], providers: [CacheConfig], exports: [CacheConfig] })
class CacheConfigModule {}

/** A feature module that does not import CacheModule itself: only a global one reaches it. */
@Module({ controllers: [ItemsController] })
class FeatureModule {}

function appWith(cacheModule: ReturnType<typeof CacheModule.forRoot>, feature = false) {
  @Module(
    feature
      ? { imports: [cacheModule, FeatureModule] }
      : { imports: [cacheModule], controllers: [ItemsController] },
  )
  class AppModule {}
  return AppModule;
}

const cases: [string, () => ReturnType<typeof CacheModule.forRoot>, string, boolean][] = [
  ['forRoot() with no options', () => CacheModule.forRoot(), 'x-cache', false],
  [
    'forRoot({ ttl, isGlobal })',
    () => CacheModule.forRoot({ ttl: '1m', isGlobal: true }),
    'x-cache',
    true,
  ],
  [
    'forRootAsync({ useFactory, inject })',
    () =>
      CacheModule.forRootAsync({
        imports: [SettingsModule],
        inject: [CacheSettings],
        useFactory: (settings: CacheSettings) => ({ xCacheHeader: settings.header }),
      }),
    'x-from-settings',
    false,
  ],
  [
    'forRootAsync({ useFactory: async, isGlobal })',
    () =>
      CacheModule.forRootAsync({
        isGlobal: true,
        useFactory: async () => ({ ttl: '1m', xCacheHeader: 'X-Async' }),
      }),
    'x-async',
    true,
  ],
  [
    'forRootAsync({ useClass })',
    () => CacheModule.forRootAsync({ imports: [SettingsModule], useClass: CacheConfig }),
    'x-from-settings',
    false,
  ],
  [
    'forRootAsync({ useExisting, isGlobal })',
    () =>
      CacheModule.forRootAsync({
        imports: [CacheConfigModule],
        useExisting: CacheConfig,
        isGlobal: true,
      }),
    'x-from-settings',
    true,
  ],
];

describe.each(PLATFORMS)('CacheModule registration on %s', (platform: Platform) => {
  it.each(cases)('%s boots and caches', async (_, register, header, global) => {
    const { app, http } = await bootApp(platform, appWith(register(), global));
    try {
      calls = 0;
      const first = await http().get('/items').expect(200);
      const second = await http().get('/items').expect(200);
      expect(first.headers[header]).toBe('MISS');
      expect(second.headers[header]).toBe('HIT');
      expect(second.body).toEqual({ calls: 1 });
      expect(calls).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('without isGlobal, does not reach a module that does not import it', async () => {
    await expect(bootApp(platform, appWith(CacheModule.forRoot(), true))).rejects.toThrow(
      /ItemsController@list: FeatureModule cannot see CacheModule/,
    );
  });
});

class NotAFactory {}

const invalid: [string, Record<string, unknown>, RegExp][] = [
  ['a zero ttl', { ttl: 0 }, /CacheModule ttl: invalid ttl 0/],
  ['a negative ttl', { ttl: -1 }, /invalid ttl -1/],
  ['an unparsable ttl', { ttl: 'soon' }, /invalid ttl 'soon'.*'30s'/],
  ['a NaN ttl', { ttl: NaN }, /invalid ttl NaN/],
  ['a bad staleWhileRevalidate', { staleWhileRevalidate: 0 }, /staleWhileRevalidate: invalid ttl/],
  ['a bad staleIfError', { staleIfError: 'later' }, /staleIfError: invalid ttl/],
  ['an unknown option', { ttls: '1m' }, /unknown option 'ttls'; known options are ttl, namespace/],
  [
    'an unknown store type (a string)',
    { store: 'redis' },
    /'store' 'redis' is not a cache store; use memoryStore\(\)/,
  ],
  ['an unknown store type (an object)', { store: { get: () => 1 } }, /is not a cache store/],
  [
    'a keyFactory that is not a class',
    { keyFactory: () => 'k' },
    /keyFactory .* is not a class; pass an @Injectable\(\) class/,
  ],
  [
    'a keyFactory that is an instance',
    { keyFactory: { build: () => 'k' } },
    /keyFactory .* is not a class/,
  ],
  [
    'a keyFactory class without build()',
    { keyFactory: NotAFactory },
    /NotAFactory has no build\(ctx, defaultKey\)/,
  ],
  [
    'statuses that are not HTTP statuses',
    { statuses: [200, 'ok'] },
    /option 'statuses' must be an array of HTTP status codes/,
  ],
  ['statuses that is not an array', { statuses: 200 }, /option 'statuses'/],
  [
    'a bad xCacheHeader',
    { xCacheHeader: 'X Cache' },
    /option 'xCacheHeader' must be a header name or false/,
  ],
  ['xCacheHeader true', { xCacheHeader: true }, /option 'xCacheHeader'/],
  ['a zero storeTimeout', { storeTimeout: 0 }, /option 'storeTimeout' must be a positive number/],
  ['a string storeTimeout', { storeTimeout: '1s' }, /option 'storeTimeout'/],
  ['a namespace with a colon', { namespace: 'a:b' }, /option 'namespace'/],
  ['an empty namespace', { namespace: '' }, /option 'namespace'/],
  ['a userKey that is not a function', { userKey: 'id' }, /option 'userKey' must be a function/],
];

describe.each(PLATFORMS)('CacheModule validation on %s', (platform: Platform) => {
  async function bootError(register: ReturnType<typeof CacheModule.forRoot>): Promise<Error> {
    let error: unknown;
    try {
      const { app } = await bootApp(platform, appWith(register));
      await app.close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CacheConfigError);
    return error as Error;
  }

  it.each(invalid)('forRoot rejects %s at bootstrap', async (_, options, message) => {
    const error = await bootError(CacheModule.forRoot(options as CacheModuleOptions));
    expect(error.message).toMatch(/^CacheModule/);
    expect(error.message).toMatch(message);
  });

  it.each(invalid)('forRootAsync rejects %s at bootstrap', async (_, options, message) => {
    const error = await bootError(
      CacheModule.forRootAsync({ useFactory: async () => options as CacheModuleOptions }),
    );
    expect(error.message).toMatch(message);
  });
});
