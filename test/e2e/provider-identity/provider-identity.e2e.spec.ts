import { Controller, Injectable, Module, Post, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Keyv from 'keyv';
import {
  Cached,
  CacheConfigError,
  CacheEvict,
  CacheIdentity,
  CacheModule,
  CacheService,
  MemoryStore,
  memoryStore,
} from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';

/** One class, provided twice through factories: one client per base URL and token. */
@Injectable()
class ApiClient {
  calls = 0;
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  @Cached()
  async get(path: string): Promise<string> {
    this.calls++;
    return `${this.baseUrl}${path} as ${this.token}`;
  }
}

/** Two feature modules, each with its own `ProductsService` class. */
function productsModule(name: string) {
  @Injectable()
  class ProductsService {
    calls = 0;
    @Cached()
    async find(id: string): Promise<string> {
      this.calls++;
      return `${name} product ${id}`;
    }
  }
  @Module({ providers: [ProductsService], exports: [ProductsService] })
  class FeatureModule {}
  Object.defineProperty(FeatureModule, 'name', { value: `${name}Module` });
  return { FeatureModule, ProductsService };
}
const catalog = productsModule('Catalog');
const admin = productsModule('Admin');

function appWith(store: unknown, imports: Type[], providers: unknown[] = []) {
  @Module({
    imports: [CacheModule.forRoot({ store, isGlobal: true }), ...imports],
    providers: providers as never,
  })
  class AppModule {}
  return AppModule;
}

const storedKeys = (store: MemoryStore) =>
  [...(store as unknown as { lru: Map<string, string> }).lru.keys()].filter((k) =>
    k.includes(':e:'),
  );

const clients = [
  { provide: 'BILLING_API', useFactory: () => new ApiClient('https://billing', 'b-token') },
  { provide: 'SHIPPING_API', useFactory: () => new ApiClient('https://shipping', 's-token') },
];

describe('providers of one class', () => {
  it('never share entries: each returns its own data', async () => {
    const { app } = await bootContext(appWith(memoryStore(), [], clients));
    const billing = app.get<ApiClient>('BILLING_API');
    const shipping = app.get<ApiClient>('SHIPPING_API');
    expect(await billing.get('/me')).toBe('https://billing/me as b-token');
    expect(await shipping.get('/me')).toBe('https://shipping/me as s-token');
    expect(await billing.get('/me')).toBe('https://billing/me as b-token');
    expect([billing.calls, shipping.calls]).toEqual([1, 1]);
    await app.get(CacheService).invalidateTags('ApiClient.get');
    await billing.get('/me');
    expect(billing.calls).toBe(2);
    await app.close();
  });

  it('are keyed by their token, whatever their order', async () => {
    const store = memoryStore();
    const first = await bootContext(appWith(store, [], clients));
    await first.app.get<ApiClient>('BILLING_API').get('/me');
    await first.app.close();
    const second = await bootContext(appWith(store, [], [...clients].reverse()));
    const billing = second.app.get<ApiClient>('BILLING_API');
    expect(await billing.get('/me')).toBe('https://billing/me as b-token');
    expect(billing.calls).toBe(0);
    expect(storedKeys(store)).toEqual([expect.stringContaining('ApiClient[BILLING_API].get:')]);
    await second.app.close();
  });
});

describe('same-named classes in different modules', () => {
  it('keep apart, with identities that do not depend on module order (rolling deploys)', async () => {
    const store = memoryStore();
    const v1 = await bootContext(appWith(store, [catalog.FeatureModule, admin.FeatureModule]));
    expect(await v1.app.get(catalog.ProductsService).find('1')).toBe('Catalog product 1');
    expect(await v1.app.get(admin.ProductsService).find('1')).toBe('Admin product 1');
    await v1.app.close();

    const v2 = await bootContext(appWith(store, [admin.FeatureModule, catalog.FeatureModule]));
    const catalogV2 = v2.app.get(catalog.ProductsService);
    const adminV2 = v2.app.get(admin.ProductsService);
    expect(await catalogV2.find('1')).toBe('Catalog product 1');
    expect(await adminV2.find('1')).toBe('Admin product 1');
    expect([catalogV2.calls, adminV2.calls]).toEqual([0, 0]);
    expect(storedKeys(store).sort()).toEqual([
      expect.stringContaining('AdminModule/ProductsService.find:'),
      expect.stringContaining('CatalogModule/ProductsService.find:'),
    ]);
    await v2.app.close();
  });

  it('a class whose name is unique keeps its plain name (entries written before stay readable)', async () => {
    const store = memoryStore();
    const { app } = await bootContext(appWith(store, [], clients.slice(0, 1)));
    await app.get<ApiClient>('BILLING_API').get('/x');
    expect(storedKeys(store)).toEqual(['cache:e:ApiClient.get:["/x"]']);
    await app.close();
  });
});

describe('@CacheIdentity', () => {
  it('pins the key prefix; the implicit tag stays Class.method', async () => {
    @CacheIdentity('billing.Client')
    @Injectable()
    class Client {
      calls = 0;
      @Cached()
      async get(id: string): Promise<string> {
        return `${id} #${++this.calls}`;
      }
    }
    const store = memoryStore();
    const { app } = await bootContext(appWith(store, [], [Client]));
    expect(await app.get(Client).get('1')).toBe('1 #1');
    expect(storedKeys(store)).toEqual(['cache:e:billing.Client.get:["1"]']);
    await app.get(CacheService).invalidateTags('Client.get');
    expect(await app.get(Client).get('1')).toBe('1 #2');
    await app.close();
  });

  it('two same-named classes in one module with nothing to tell them apart: bootstrap error', async () => {
    const make = () => {
      @Injectable()
      class Repository {
        @Cached()
        async find(): Promise<number> {
          return 1;
        }
      }
      return Repository;
    };
    const boot = bootContext(appWith(memoryStore(), [], [make(), make()]));
    await expect(boot).rejects.toBeInstanceOf(CacheConfigError);
    await expect(bootContext(appWith(memoryStore(), [], [make(), make()]))).rejects.toThrow(
      /Repository.*@CacheIdentity/,
    );
  });

  it('refuses an identity pinned on two providers, and an empty one', () => {
    expect(() => CacheIdentity('has space')(class X {})).toThrow(CacheConfigError);
    expect(() => CacheIdentity('' as string)(class Y {})).toThrow(CacheConfigError);
  });
});

describe('@CacheEvict({ all: true }) on a store that cannot list its keys', () => {
  /** A Keyv store adapter with no iterator: Keyv cannot list it. */
  class ListlessAdapter {
    private readonly data = new Map<string, unknown>();
    get(key: string) {
      return this.data.get(key);
    }
    set(key: string, value: unknown) {
      this.data.set(key, value);
      return true;
    }
    delete(key: string) {
      return this.data.delete(key);
    }
    clear() {
      this.data.clear();
    }
  }

  @Injectable()
  class Maintenance {
    @CacheEvict({ all: true })
    async reset(): Promise<void> {}
  }

  it('fails bootstrap with a CacheConfigError naming the method', async () => {
    const moduleRef = Test.createTestingModule({
      imports: [appWith(new Keyv({ store: new ListlessAdapter() }), [], [Maintenance])],
    });
    await expect((await moduleRef.compile()).init()).rejects.toThrow(
      /Maintenance@reset: @CacheEvict\(\{ all: true \}\)/,
    );
  });

  it('fails bootstrap on a controller handler too', async () => {
    @Controller('admin')
    class AdminController {
      @Post('reset')
      @CacheEvict({ all: true })
      reset() {
        return 'ok';
      }
    }
    @Module({
      imports: [CacheModule.forRoot({ store: new Keyv({ store: new ListlessAdapter() }) })],
      controllers: [AdminController],
    })
    class HttpApp {}
    const moduleRef = await Test.createTestingModule({ imports: [HttpApp] }).compile();
    await expect(moduleRef.init()).rejects.toThrow(/AdminController@reset: @CacheEvict/);
  });

  it('boots on a store that can list its keys', async () => {
    const { app } = await bootContext(appWith(new Keyv(), [], [Maintenance]));
    await expect(app.get(Maintenance).reset()).resolves.toBeUndefined();
    await app.close();
  });
});
