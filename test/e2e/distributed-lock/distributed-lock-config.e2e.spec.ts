import { Controller, Get, Injectable, Module, Type } from '@nestjs/common';
import Keyv from 'keyv';
import {
  Cached,
  CacheConfigError,
  CacheErrorCode,
  CacheModule,
  CacheModuleOptions,
  CacheService,
  memoryStore,
} from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';

/** `distributedLock` needs a store that can lock across instances; mistakes fail at bootstrap. */

function appWith(
  options: CacheModuleOptions,
  extra: { controllers?: Type[]; providers?: Type[] } = {},
) {
  @Module({ imports: [CacheModule.forRoot(options)], ...extra })
  class AppModule {}
  return AppModule;
}

async function bootError(module: Type): Promise<CacheConfigError> {
  const error = await bootContext(module).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CacheConfigError);
  return error as CacheConfigError;
}

describe('distributedLock configuration', () => {
  it.each([
    ['the default memory store', {}],
    ['memoryStore()', { store: memoryStore() }],
    ['a Keyv instance', { store: new Keyv() }],
  ])('module option on %s: CacheConfigError at bootstrap', async (_name, options) => {
    const error = await bootError(appWith({ ...options, distributedLock: true }));
    expect(error.code).toBe(CacheErrorCode.StoreUnsupported);
    expect(error.message).toMatch(/^CacheModule: distributedLock needs a store that can lock/);
    expect(error.message).toContain('redisStore()');
  });

  it('@Cached({ distributedLock: true }) on a provider method over Keyv: CacheConfigError naming it', async () => {
    @Injectable()
    class Prices {
      @Cached({ distributedLock: true })
      async price(id: string) {
        return id;
      }
    }
    const error = await bootError(appWith({ store: new Keyv() }, { providers: [Prices] }));
    expect(error.message).toMatch(/^Prices@price: distributedLock needs/);
  });

  it('@Cached({ distributedLock: { lease } }) on a route over memory: CacheConfigError naming it', async () => {
    @Controller('p')
    class PricesController {
      @Get()
      @Cached({ distributedLock: { lease: '30s' } })
      list() {
        return [];
      }
    }
    const error = await bootError(appWith({}, { controllers: [PricesController] }));
    expect(error.message).toMatch(/^PricesController@list: distributedLock needs/);
  });

  it('distributedLock: false is accepted on any store, and wrap without a lock works', async () => {
    @Injectable()
    class Prices {
      runs = 0;
      @Cached({ distributedLock: false })
      async price(id: string) {
        this.runs++;
        return id;
      }
    }
    const { app } = await bootContext(appWith({ distributedLock: false }, { providers: [Prices] }));
    const prices = app.get(Prices);
    expect(await prices.price('a')).toBe('a');
    expect(await prices.price('a')).toBe('a');
    expect(prices.runs).toBe(1);
    const cache = app.get(CacheService);
    expect(await cache.wrap('k', () => 1, { distributedLock: false })).toBe(1);
    await app.close();
  });

  it('wrap(…, { distributedLock: true }) on a store without locks rejects with CacheConfigError, factory not run', async () => {
    const { app } = await bootContext(appWith({ store: new Keyv() }));
    const cache = app.get(CacheService);
    let runs = 0;
    const factory = async () => ++runs;
    const error = await cache.wrap('k', factory, { distributedLock: true }).catch((e) => e);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(/^CacheService@wrap: distributedLock needs/);
    await expect(cache.wrap('k', factory, { distributedLock: { wait: '1s' } })).rejects.toThrow(
      CacheConfigError,
    );
    expect(runs).toBe(0);
    await app.close();
  });

  it.each([
    ['a string', 'yes'],
    ['a number', 1],
    ['null', null],
    ['an unknown field', { lease: '10s', timeout: '1s' }],
    ['an infinite lease', { lease: Infinity }],
    ['an infinite wait', { wait: Infinity }],
    ['a zero wait', { wait: 0 }],
    ['an unparsable lease', { lease: 'soon' }],
  ])('rejects %s as distributedLock at decoration and bootstrap', async (_name, value) => {
    expect(() => {
      class Bad {
        @Cached({ distributedLock: value as never })
        async m() {
          return 1;
        }
      }
      return Bad;
    }).toThrow(CacheConfigError);
    await bootError(appWith({ distributedLock: value as never }));
    const { app } = await bootContext(appWith({}));
    await expect(
      app.get(CacheService).wrap('k', () => 1, { distributedLock: value as never }),
    ).rejects.toThrow(CacheConfigError);
    await app.close();
  });
});
