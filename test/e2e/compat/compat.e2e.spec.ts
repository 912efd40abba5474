/**
 * An app written for @nestjs/cache-manager, as its documentation shows it (CacheModule.register,
 * a global CacheInterceptor, @CacheKey / @CacheTTL, CACHE_MANAGER get/set/del/clear), runs
 * unchanged once its import says 'nestjs-cached/compat' — on Express and Fastify, with
 * nestjs-cached's semantics (one handler run per key, identified requests bypass).
 */
import {
  Controller,
  ExecutionContext,
  Get,
  Inject,
  Injectable,
  Logger,
  Module,
  ClassSerializerInterceptor,
  Param,
  Post,
  UseInterceptors,
  VersioningType,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Exclude } from 'class-transformer';
import type { Cache as CoreCache } from 'cache-manager';
import Keyv from 'keyv';
import { CacheEvict, CacheService, Cached } from 'nestjs-cached';
import {
  Cache,
  CACHE_MANAGER,
  CacheInterceptor,
  CacheKey,
  CacheModule,
  CacheTTL,
} from 'nestjs-cached/compat';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
class SettingsService {
  constructor(@Inject(CACHE_MANAGER) private cacheManager: Cache) {}

  async roundTrip() {
    await this.cacheManager.set('key', 'value');
    const value = await this.cacheManager.get('key');
    await this.cacheManager.set('short', 'value', 30);
    await this.cacheManager.set('forever', 'value', 0);
    await this.cacheManager.del('key');
    return { value, afterDel: await this.cacheManager.get('key') };
  }
}

class Account {
  name: string;
  @Exclude()
  password: string;
  constructor(name: string, password: string) {
    this.name = name;
    this.password = password;
  }
}

/** Typed with cache-manager's own `Cache`, as the NestJS docs show it: unchanged too. */
@Injectable()
class ThemeService {
  constructor(@Inject(CACHE_MANAGER) private readonly cacheManager: CoreCache) {}

  async theme(): Promise<string> {
    const cached = await this.cacheManager.get<string>('theme');
    if (cached) return cached;
    await this.cacheManager.set('theme', 'dark', 1_000);
    return 'dark';
  }
}

let calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

@Controller()
class AppController {
  @Get('products')
  findAll() {
    count('products');
    return [{ id: 1, name: 'Lamp' }];
  }

  @Get('products/:id')
  findOne(@Param('id') id: string) {
    count(`product:${id}`);
    return { id };
  }

  @Get('custom')
  @CacheKey('custom_key')
  @CacheTTL(20_000)
  custom() {
    count('custom');
    return { custom: true };
  }

  @Get('short')
  @CacheTTL(40)
  short() {
    count('short');
    return { short: true };
  }

  @Get('by-factory')
  @CacheTTL((ctx: ExecutionContext) => (ctx.switchToHttp().getRequest().query.long ? 60_000 : 40))
  byFactory() {
    count('by-factory');
    return { ok: true };
  }

  @Get('async-ttl')
  @CacheTTL(async () => 40)
  asyncTtl() {
    count('async-ttl');
    return { ok: true };
  }

  @Get('bad-ttl')
  @CacheTTL(() => -1)
  badTtl() {
    count('bad-ttl');
    return { ok: true };
  }

  @Get('key-fn')
  @CacheKey((ctx: ExecutionContext) => ctx.switchToHttp().getRequest().query.k)
  keyFn() {
    count('key-fn');
    return { ok: true };
  }

  @Get('secret')
  @UseInterceptors(ClassSerializerInterceptor)
  secret() {
    count('secret');
    return new Account('alice', 'hunter2');
  }

  @Get('native')
  @Cached({ key: 'native', ttl: '1m' })
  native() {
    count('native');
    return { native: true };
  }

  @Post('native')
  @CacheEvict({ keys: ['native'] })
  renew() {
    count('renew');
    return { renewed: true };
  }

  @Post('products')
  create() {
    count('create');
    return { created: true };
  }
}

@Controller('scoped')
@UseInterceptors(CacheInterceptor)
class ScopedController {
  @Get()
  list() {
    count('scoped');
    return ['a'];
  }
}

@Controller('plain')
class PlainController {
  @Get()
  list() {
    count('plain');
    return ['p'];
  }
}

@Module({
  imports: [CacheModule.register({ ttl: 5_000, isGlobal: true })],
  controllers: [AppController],
  providers: [
    SettingsService,
    ThemeService,
    { provide: APP_INTERCEPTOR, useClass: CacheInterceptor },
  ],
})
class GlobalAppModule {}

@Module({
  imports: [CacheModule.register()],
  controllers: [ScopedController, PlainController],
})
class ScopedAppModule {}

describe.each(PLATFORMS)(
  'an @nestjs/cache-manager app on nestjs-cached/compat, %s',
  (platform: Platform) => {
    describe('CacheInterceptor as APP_INTERCEPTOR', () => {
      let ctx: Awaited<ReturnType<typeof bootApp>>;
      beforeAll(async () => (ctx = await bootApp(platform, GlobalAppModule)));
      afterAll(() => ctx.app.close());
      beforeEach(() => (calls = {}));

      it('caches every GET handler: the second request is a HIT with the same body', async () => {
        const miss = await ctx.http().get('/products').expect(200);
        const hit = await ctx.http().get('/products').expect(200);
        expect(miss.headers['x-cache']).toBe('MISS');
        expect(hit.headers['x-cache']).toBe('HIT');
        expect(hit.text).toBe(miss.text);
        expect(calls.products).toBe(1);
        await ctx.http().get('/products/1').expect(200);
        await ctx.http().get('/products/2').expect(200);
        await ctx.http().get('/products/1').expect(200);
        expect([calls['product:1'], calls['product:2']]).toEqual([1, 1]);
      });

      it('keys by the request URL as cache-manager does, so CACHE_MANAGER.del(url) evicts', async () => {
        await ctx.http().get('/products/7?x=1').expect('X-Cache', 'MISS');
        await ctx.http().get('/products/7?x=1').expect('X-Cache', 'HIT');
        await ctx.app.get<Cache>(CACHE_MANAGER).del('/products/7?x=1');
        await ctx.http().get('/products/7?x=1').expect('X-Cache', 'MISS');
        expect(calls['product:7']).toBe(2);
      });

      it('leaves other methods alone', async () => {
        await ctx.http().post('/products').expect(201);
        await ctx.http().post('/products').expect(201);
        expect(calls.create).toBe(2);
      });

      it('runs the handler once for concurrent cold requests', async () => {
        await Promise.all(Array.from({ length: 10 }, () => ctx.http().get('/products/cold')));
        expect(calls['product:cold']).toBe(1);
      });

      it('@CacheKey names the entry, and CACHE_MANAGER.del removes it', async () => {
        await ctx.http().get('/custom').expect(200);
        await ctx.http().get('/custom').expect('X-Cache', 'HIT');
        const manager = ctx.app.get<Cache>(CACHE_MANAGER);
        expect(await manager.ttl('custom_key')).toBeGreaterThan(Date.now() + 10_000);
        await manager.del('custom_key');
        await ctx.http().get('/custom').expect('X-Cache', 'MISS');
        expect(calls.custom).toBe(2);
      });

      it('@CacheTTL(ms) and @CacheTTL(ctx => ms) set how long an entry lives', async () => {
        await ctx.http().get('/short').expect('X-Cache', 'MISS');
        await ctx.http().get('/short').expect('X-Cache', 'HIT');
        await ctx.http().get('/by-factory').expect('X-Cache', 'MISS');
        await ctx.http().get('/by-factory?long=1').expect('X-Cache', 'MISS');
        await sleep(80);
        await ctx.http().get('/short').expect('X-Cache', 'MISS');
        await ctx.http().get('/by-factory').expect('X-Cache', 'MISS');
        await ctx.http().get('/by-factory?long=1').expect('X-Cache', 'HIT');
      });

      it('leaves @Cached and @CacheEvict routes to nestjs-cached (no double caching or eviction)', async () => {
        await ctx.http().get('/native').expect('X-Cache', 'MISS');
        await ctx.http().get('/native').expect('X-Cache', 'HIT');
        await ctx.http().post('/native').expect(201);
        await ctx.http().get('/native').expect('X-Cache', 'MISS');
        expect(calls).toEqual({ native: 2, renew: 1 });
      });

      it('async and invalid @CacheTTL factories, and @CacheKey functions returning undefined', async () => {
        await ctx.http().get('/async-ttl').expect('X-Cache', 'MISS');
        await ctx.http().get('/async-ttl').expect('X-Cache', 'HIT');
        await ctx.http().get('/bad-ttl').expect(200);
        await ctx.http().get('/bad-ttl').expect(200);
        await ctx.http().get('/key-fn?k=a').expect('X-Cache', 'MISS');
        await ctx.http().get('/key-fn?k=a').expect('X-Cache', 'HIT');
        await ctx.http().get('/key-fn').expect('X-Cache', 'BYPASS');
        await sleep(80);
        await ctx.http().get('/async-ttl').expect('X-Cache', 'MISS');
        expect(calls).toEqual({ 'async-ttl': 2, 'bad-ttl': 2, 'key-fn': 2 });
      });

      it('a hit behind ClassSerializerInterceptor never shows an @Exclude()d field', async () => {
        const miss = await ctx.http().get('/secret').expect('X-Cache', 'MISS');
        const hit = await ctx.http().get('/secret').expect('X-Cache', 'HIT');
        expect(miss.body).toEqual({ name: 'alice' });
        expect(hit.text).toBe(miss.text);
      });

      it("requests with Authorization bypass shared entries (nestjs-cached's privacy)", async () => {
        await ctx
          .http()
          .get('/products/private')
          .set('Authorization', 'Bearer a')
          .expect('X-Cache', 'BYPASS');
        await ctx
          .http()
          .get('/products/private')
          .set('Authorization', 'Bearer b')
          .expect('X-Cache', 'BYPASS');
        expect(calls['product:private']).toBe(2);
      });

      it('CACHE_MANAGER get/set/del, ttl 0 = no expiry, over the CacheService store', async () => {
        expect(await ctx.app.get(ThemeService).theme()).toBe('dark');
        expect(await ctx.app.get(CacheService).get('theme')).toBe('dark');
        const settings = ctx.app.get(SettingsService);
        expect(await settings.roundTrip()).toEqual({ value: 'value', afterDel: undefined });
        const manager = ctx.app.get<Cache>(CACHE_MANAGER);
        const service = ctx.app.get(CacheService);
        expect(await service.get('forever')).toBe('value');
        expect(await manager.ttl('forever')).toBeUndefined(); // never expires
        expect(await manager.get('forever')).toBe('value');
        await sleep(60);
        expect(await manager.get('short')).toBeUndefined();
        await service.set('from-service', { a: 1 });
        expect(await manager.get('from-service')).toEqual({ a: 1 });
      });
    });

    describe('CacheInterceptor in @UseInterceptors()', () => {
      let ctx: Awaited<ReturnType<typeof bootApp>>;
      beforeAll(async () => (ctx = await bootApp(platform, ScopedAppModule)));
      afterAll(() => ctx.app.close());
      beforeEach(() => (calls = {}));

      it('caches the controllers it is applied to, and only those', async () => {
        await ctx.http().get('/scoped').expect('X-Cache', 'MISS');
        await ctx.http().get('/scoped').expect('X-Cache', 'HIT');
        const plain = await ctx.http().get('/plain').expect(200);
        await ctx.http().get('/plain').expect(200);
        expect(plain.headers['x-cache']).toBeUndefined();
        expect(calls).toEqual({ scoped: 1, plain: 2 });
      });
    });
  },
);

describe('a CacheInterceptor subclass overriding trackBy (a cache-manager pattern)', () => {
  @Injectable()
  class TenantCacheInterceptor extends CacheInterceptor {
    override trackBy(context: ExecutionContext): string | undefined {
      const req = context.switchToHttp().getRequest();
      const tenant = req.headers['x-tenant'];
      if (!tenant) return undefined; // no tenant: not cached
      return `${tenant}:${super.trackBy(context)}`;
    }
  }

  @Controller('tenant')
  class TenantController {
    @Get()
    list() {
      count('tenant');
      return ['t'];
    }
  }

  @Module({
    imports: [CacheModule.register()],
    controllers: [TenantController],
    providers: [{ provide: APP_INTERCEPTOR, useClass: TenantCacheInterceptor }],
  })
  class TenantModule {}

  it.each(PLATFORMS)(
    'keys by what trackBy returns, and undefined bypasses (%s)',
    async (platform) => {
      calls = {};
      const ctx = await bootApp(platform, TenantModule);
      await ctx.http().get('/tenant').set('x-tenant', 'a').expect('X-Cache', 'MISS');
      await ctx.http().get('/tenant').set('x-tenant', 'a').expect('X-Cache', 'HIT');
      await ctx.http().get('/tenant').set('x-tenant', 'b').expect('X-Cache', 'MISS');
      await ctx.http().get('/tenant').expect('X-Cache', 'BYPASS');
      expect(calls.tenant).toBe(3);
      await ctx.app.close();
    },
  );
});

describe('header-versioned handlers behind one URL, under the compat CacheInterceptor', () => {
  @Controller({ path: 'catalog', version: '1' })
  class CatalogV1 {
    @Get()
    list() {
      count('v1');
      return { version: 1 };
    }
  }
  @Controller({ path: 'catalog', version: '2' })
  class CatalogV2 {
    @Get()
    list() {
      count('v2');
      return { version: 2 };
    }
  }
  @Module({
    imports: [CacheModule.register()],
    controllers: [CatalogV1, CatalogV2],
    providers: [{ provide: APP_INTERCEPTOR, useClass: CacheInterceptor }],
  })
  class VersionedModule {}

  it.each(PLATFORMS)('never answer one version with the other (%s)', async (platform) => {
    calls = {};
    const ctx = await bootApp(platform, VersionedModule, (app) =>
      app.enableVersioning({ type: VersioningType.HEADER, header: 'x-api-version' }),
    );
    for (const version of ['1', '2', '1', '2']) {
      const res = await ctx.http().get('/catalog').set('x-api-version', version).expect(200);
      expect(res.body).toEqual({ version: Number(version) });
    }
    expect(calls).toEqual({ v1: 1, v2: 1 });
    await ctx.app.close();
  });
});

describe('a failing store under the compat layer (fail-open)', () => {
  const down = () => {
    throw new Error('store down');
  };
  @Controller('fragile')
  class FragileController {
    @Get()
    list() {
      count('fragile');
      return ['f'];
    }
  }
  @Module({
    imports: [
      CacheModule.register({
        stores: new Keyv({ store: { get: down, set: down, delete: down, clear: down } }),
        storeTimeout: 50,
      }),
    ],
    controllers: [FragileController],
    providers: [{ provide: APP_INTERCEPTOR, useClass: CacheInterceptor }],
  })
  class FragileModule {}

  it.each(PLATFORMS)(
    'routes answer from the handler, CACHE_MANAGER reads miss (%s)',
    async (platform) => {
      calls = {};
      const ctx = await bootApp(platform, FragileModule);
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        await ctx.http().get('/fragile').expect(200, ['f']);
        await ctx.http().get('/fragile').expect(200, ['f']);
        expect(calls.fragile).toBe(2);
        const manager = ctx.app.get<Cache>(CACHE_MANAGER);
        expect(await manager.get('k')).toBeUndefined();
        expect(await manager.set('k', 1)).toBe(1); // resolves, as every write on a failing store
        await expect(manager.del('k')).rejects.toThrow(/store down/); // the writer must know
      } finally {
        logged.mockRestore();
        await ctx.app.close();
      }
    },
  );
});

describe('CACHE_MANAGER, cache-manager 7 shapes', () => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let manager: Cache;
  beforeAll(async () => {
    ctx = await bootApp('express', GlobalAppModule);
    manager = ctx.app.get<Cache>(CACHE_MANAGER);
  });
  afterAll(() => ctx.app.close());

  it('set returns the value; mget / mset / mdel / clear', async () => {
    expect(await manager.set('a', { n: 1 })).toEqual({ n: 1 });
    const list = [
      { key: 'b', value: 2 },
      { key: 'c', value: 3, ttl: 0 },
    ];
    expect(await manager.mset(list)).toEqual(list);
    expect(await manager.mget(['a', 'b', 'c', 'absent'])).toEqual([{ n: 1 }, 2, 3, undefined]);
    expect(await manager.mdel(['a', 'b'])).toBe(true);
    expect(await manager.mget(['a', 'b', 'c'])).toEqual([undefined, undefined, 3]);
    expect(await manager.clear()).toBe(true);
    expect(await manager.get('c')).toBeUndefined();
  });

  it('wrap runs the function once per key, with a ttl, an options object or a function of the value', async () => {
    let runs = 0;
    const load = async () => (++runs, { expiresInMs: 40 });
    expect(await manager.wrap('w1', load, 10_000)).toEqual({ expiresInMs: 40 });
    expect(await manager.wrap('w1', load, 10_000)).toEqual({ expiresInMs: 40 });
    await manager.wrap('w2', load, { ttl: 10_000 });
    await manager.wrap('w3', load, (value) => value.expiresInMs);
    expect(runs).toBe(3);
    await sleep(80);
    expect(await manager.get('w1')).toBeDefined();
    expect(await manager.get('w3')).toBeUndefined();
  });

  it('ttl(key) is the expiry time in epoch milliseconds', async () => {
    const before = Date.now();
    await manager.set('t', 1, 60_000);
    const expires = await manager.ttl('t');
    expect(expires).toBeGreaterThanOrEqual(before + 60_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(await manager.ttl('absent')).toBeUndefined();
  });

  it('emits set and del events', async () => {
    const seen: string[] = [];
    manager.on('set', ({ key }: { key: string }) => seen.push(`set:${key}`));
    manager.on('del', ({ key }: { key: string }) => seen.push(`del:${key}`));
    await manager.set('e', 1);
    await manager.del('e');
    expect(seen).toEqual(['set:e', 'del:e']);
  });
});

describe('CacheModule.register / registerAsync options', () => {
  @Injectable()
  class CacheConfigService {
    createCacheOptions() {
      return { ttl: 0, stores: [new Keyv(), new Keyv()] };
    }
  }

  it.each([
    ['register({ ttl: 0, stores })', () => CacheModule.register({ ttl: 0, stores: new Keyv() })],
    [
      'registerAsync({ useFactory })',
      () => CacheModule.registerAsync({ useFactory: async () => ({ ttl: 0 }), isGlobal: true }),
    ],
    [
      'registerAsync({ useClass })',
      () => CacheModule.registerAsync({ useClass: CacheConfigService }),
    ],
  ])('%s: ttl 0 means no expiry', async (_, imported) => {
    @Module({ imports: [imported()] })
    class AppModule {}
    const ctx = await bootApp('express', AppModule);
    const manager = ctx.app.get<Cache>(CACHE_MANAGER);
    await manager.set('k', 'v');
    expect(await manager.ttl('k')).toBeUndefined();
    expect(await manager.get('k')).toBe('v');
    await ctx.app.close();
  });

  it('registerAsync({ useExisting }) and the Cache class as a DI token (no @Inject)', async () => {
    @Module({ providers: [CacheConfigService], exports: [CacheConfigService] })
    class ConfigModule {}
    @Injectable()
    class UsesCache {
      constructor(readonly cache: Cache) {}
    }
    @Module({
      imports: [
        CacheModule.registerAsync({ imports: [ConfigModule], useExisting: CacheConfigService }),
      ],
      providers: [UsesCache],
    })
    class AppModule {}
    const ctx = await bootApp('express', AppModule);
    const { cache } = ctx.app.get(UsesCache);
    expect(cache).toBe(ctx.app.get(CACHE_MANAGER));
    await cache.set('k', 'v');
    expect(await cache.ttl('k')).toBeUndefined(); // the factory said ttl: 0
    await ctx.app.close();
  });

  it('@CacheTTL and @CacheKey reject bad values when the class is declared', () => {
    class Routes {
      list() {}
    }
    const descriptor = Object.getOwnPropertyDescriptor(Routes.prototype, 'list')!;
    for (const bad of [-5, NaN, '60' as never]) {
      expect(() => CacheTTL(bad)(Routes.prototype, 'list', descriptor)).toThrow(
        /Routes@list @CacheTTL: invalid ttl/,
      );
    }
    expect(() => CacheKey('' as never)(Routes.prototype, 'list', descriptor)).toThrow(
      /Routes@list: option 'key' must be a non-empty string or a function/,
    );
  });

  it('registerAsync without useFactory, useClass or useExisting is a CacheConfigError', () => {
    expect(() => CacheModule.registerAsync({ imports: [] })).toThrow(
      /CacheModule.registerAsync: option 'useFactory' must be given, or useClass/,
    );
  });

  it('a bad option still fails at bootstrap with CacheConfigError', async () => {
    expect(() => CacheModule.register({ ttl: -1 } as never)).not.toThrow(); // validated at bootstrap
    @Module({ imports: [CacheModule.register({ ttl: -1 })] })
    class AppModule {}
    await expect(bootApp('express', AppModule)).rejects.toThrow(/CacheModule ttl: invalid ttl -1/);
  });
});
