import {
  INestApplicationContext,
  Inject,
  Injectable,
  Module,
  Scope,
  SetMetadata,
} from '@nestjs/common';
import { ContextIdFactory, Reflector } from '@nestjs/core';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { LogCapture } from '../helpers/log-capture';

@Injectable()
class CatalogService {
  calls = 0;
  syncCalls = 0;

  @Cached()
  @SetMetadata('roles', ['admin'])
  async find(id: string): Promise<{ id: string; calls: number }> {
    this.calls++;
    return { id, calls: this.calls };
  }

  async findTwiceInside(id: string) {
    await this.find(id);
    return this.find(id);
  }

  @Cached()
  total(a: number, b: number): number {
    this.syncCalls++;
    return a + b;
  }

  /** Returns a Promise without saying so in its declared type. */
  @Cached()
  lookup(id: string): PromiseLike<string> {
    this.calls++;
    return Promise.resolve(`lookup ${id}`);
  }
}

abstract class BaseRepository {
  calls = 0;

  @Cached()
  async load(id: string): Promise<string> {
    this.calls++;
    return `${this.constructor.name}:${id}`;
  }
}

@Injectable()
class UsersRepository extends BaseRepository {}

@Injectable()
class OrdersRepository extends BaseRepository {}

@Injectable()
class InventoryService {
  calls = 0;

  @Cached()
  async count(sku: string): Promise<number> {
    this.calls++;
    return sku.length;
  }
}

class PricingService {
  calls = 0;
  constructor(private readonly rate: number) {}

  @Cached()
  async price(amount: number): Promise<number> {
    this.calls++;
    return amount * this.rate;
  }
}

class FrozenService {
  @Cached()
  async ping(): Promise<string> {
    return 'pong';
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestScopedService {
  calls = 0;

  @Cached()
  async who(): Promise<number> {
    return ++this.calls;
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class TransientService {
  calls = 0;

  @Cached()
  async who(): Promise<number> {
    return ++this.calls;
  }
}

const plainObject = {
  greet: (name: string) => `hello ${name}`,
  async twice(n: number) {
    return n * 2;
  },
};
const nullPrototype = Object.assign(Object.create(null) as object, { ping: () => 'pong' });

@Module({
  imports: [CacheModule.forRoot()],
  providers: [
    CatalogService,
    { provide: 'CATALOG_ALIAS', useExisting: CatalogService },
    UsersRepository,
    OrdersRepository,
    { provide: InventoryService, useFactory: () => new InventoryService() },
    { provide: 'PRICING', useValue: new PricingService(2) },
    { provide: 'PLAIN', useValue: plainObject },
    { provide: 'NULL_PROTO', useValue: nullPrototype },
    RequestScopedService,
    TransientService,
  ],
})
class AppModule {}

describe('discovery of decorated provider methods', () => {
  let app: INestApplicationContext;
  let logs: LogCapture;
  let cache: CacheService;

  beforeAll(async () => {
    ({ app, logs } = await bootContext(AppModule));
    cache = app.get(CacheService);
  });
  afterAll(() => app.close());

  it('caches a singleton method called through the instance', async () => {
    const catalog = app.get(CatalogService);
    const first = await catalog.find('a');
    const second = await catalog.find('a');
    expect(second).toEqual(first);
    expect(catalog.calls).toBe(1);
  });

  it('caches calls made through this.method() inside the class', async () => {
    const catalog = app.get(CatalogService);
    const before = catalog.calls;
    await catalog.findTwiceInside('inside');
    expect(catalog.calls).toBe(before + 1);
  });

  it('keeps the function name, arity and the decorator metadata of the replaced method', () => {
    const catalog = app.get(CatalogService);
    expect(catalog.find.name).toBe('find');
    expect(catalog.find.length).toBe(1);
    expect(Reflect.getMetadata('roles', catalog.find)).toEqual(['admin']);
    expect(app.get(Reflector).get('roles', catalog.find)).toEqual(['admin']);
    expect(Reflect.getMetadata('design:returntype', catalog, 'find')).toBe(Promise);
  });

  it('caches methods inherited from a base class, per subclass', async () => {
    const users = app.get(UsersRepository);
    const orders = app.get(OrdersRepository);
    expect(await users.load('1')).toBe('UsersRepository:1');
    expect(await orders.load('1')).toBe('OrdersRepository:1');
    expect(await users.load('1')).toBe('UsersRepository:1');
    expect(await orders.load('1')).toBe('OrdersRepository:1');
    expect([users.calls, orders.calls]).toEqual([1, 1]);
    await cache.invalidateTags('UsersRepository.load');
    await users.load('1');
    await orders.load('1');
    expect([users.calls, orders.calls]).toEqual([2, 1]);
  });

  it('wraps a useExisting alias once: alias and original share one entry, counted once', async () => {
    const catalog = app.get(CatalogService);
    const alias = app.get<CatalogService>('CATALOG_ALIAS');
    expect(alias).toBe(catalog);
    const calls = catalog.calls;
    const before = cache.stats();
    await alias.find('alias');
    await catalog.find('alias');
    await alias.find('alias');
    const after = cache.stats();
    expect(catalog.calls).toBe(calls + 1);
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(2);
  });

  it('names a factory-provided service after its class (implicit tag Class.method)', async () => {
    const inventory = app.get(InventoryService);
    await inventory.count('abc');
    await inventory.count('abc');
    expect(inventory.calls).toBe(1);
    await cache.invalidateTags('InventoryService.count');
    await inventory.count('abc');
    expect(inventory.calls).toBe(2);
  });

  it('caches a class instance given as useValue', async () => {
    const pricing = app.get<PricingService>('PRICING');
    expect(await pricing.price(10)).toBe(20);
    expect(await pricing.price(10)).toBe(20);
    expect(pricing.calls).toBe(1);
    expect(pricing.price.name).toBe('price');
  });

  it('boots with plain-object and null-prototype useValue providers, which still work', async () => {
    const plain = app.get<typeof plainObject>('PLAIN');
    expect(plain.greet('nest')).toBe('hello nest');
    expect(await plain.twice(4)).toBe(8);
    expect(app.get<{ ping(): string }>('NULL_PROTO').ping()).toBe('pong');
  });

  it('caches a method that returns a Promise without declaring it, from its first call', async () => {
    const catalog = app.get(CatalogService);
    const before = catalog.calls;
    expect(await catalog.lookup('x')).toBe('lookup x');
    expect(await catalog.lookup('x')).toBe('lookup x');
    expect(catalog.calls).toBe(before + 1);
  });

  it('leaves a plain-value method plain and uncached, with exactly one warning naming it', () => {
    const catalog = app.get(CatalogService);
    const results = [catalog.total(1, 2), catalog.total(1, 2), catalog.total(1, 2)];
    expect(results).toEqual([3, 3, 3]);
    expect(catalog.syncCalls).toBe(3);
    expect(logs.warningsAbout('CatalogService@total')).toHaveLength(1);
  });

  it('warns at bootstrap about request-scoped and transient providers, which run uncached', async () => {
    expect(logs.warningsAbout('RequestScopedService@who')).toHaveLength(1);
    expect(logs.warningsAbout('TransientService@who')).toHaveLength(1);
    const scoped = await app.resolve(RequestScopedService, ContextIdFactory.create());
    expect([await scoped.who(), await scoped.who()]).toEqual([1, 2]);
    const transient = await app.resolve(TransientService);
    expect([await transient.who(), await transient.who()]).toEqual([1, 2]);
  });
});

@Module({
  imports: [CacheModule.forRoot()],
  providers: [{ provide: 'FROZEN', useValue: Object.freeze(new FrozenService()) }],
})
class FrozenModule {}

describe('a frozen class instance given as useValue', () => {
  it('boots, warns naming the method, and the method still works', async () => {
    const { app, logs } = await bootContext(FrozenModule);
    expect(await app.get<FrozenService>('FROZEN').ping()).toBe('pong');
    expect(logs.warningsAbout('FrozenService@ping')).toHaveLength(1);
    await app.close();
  });
});

@Injectable({ scope: Scope.REQUEST })
class RequestContext {
  readonly user = 'u1';
}

@Injectable()
class ImplicitlyScopedService {
  calls = 0;
  constructor(@Inject(RequestContext) private readonly context: RequestContext) {}

  @Cached()
  async profile(): Promise<string> {
    this.calls++;
    return this.context.user;
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  providers: [RequestContext, ImplicitlyScopedService],
})
class ScopedModule {}

describe('a singleton that depends on a request-scoped provider', () => {
  it('is request-scoped too: one bootstrap warning, and each call runs', async () => {
    const { app, logs } = await bootContext(ScopedModule);
    expect(logs.warningsAbout('ImplicitlyScopedService@profile')).toHaveLength(1);
    const service = await app.resolve(ImplicitlyScopedService, ContextIdFactory.create());
    expect(await service.profile()).toBe('u1');
    expect(await service.profile()).toBe('u1');
    expect(service.calls).toBe(2);
    await app.close();
  });
});

/** A service that counts its runs and holds the CacheService its own module injects. */
function makeCountingService(name: string) {
  @Injectable()
  class CountingService {
    calls = 0;
    constructor(readonly cache: CacheService) {}

    @Cached()
    async find(): Promise<number> {
      return ++this.calls;
    }
  }
  Object.defineProperty(CountingService, 'name', { value: name });
  return CountingService;
}
const RootService = makeCountingService('RootService');
const ServiceA = makeCountingService('ServiceA');
const ServiceB = makeCountingService('ServiceB');

@Module({ imports: [CacheModule.forRoot({ namespace: 'a' })], providers: [ServiceA] })
class FeatureAModule {}

@Module({ imports: [CacheModule.forRoot({ namespace: 'b' })], exports: [CacheModule] })
class SharedCacheModule {}

@Module({ imports: [SharedCacheModule], providers: [ServiceB] })
class FeatureBModule {}

@Module({
  imports: [CacheModule.forRoot({ isGlobal: true }), FeatureAModule, FeatureBModule],
  providers: [RootService],
})
class MultiCacheModule {}

describe('one CacheModule per feature module', () => {
  it('caches each provider in the cache its own module injects', async () => {
    const { app } = await bootContext(MultiCacheModule);
    for (const service of [app.get(RootService), app.get(ServiceA), app.get(ServiceB)]) {
      await service.find();
      await service.find();
      expect(service.calls).toBe(1);
      await service.cache.invalidateTags(`${service.constructor.name}.find`);
      expect(await service.find()).toBe(2);
      expect(service.cache.stats()).toMatchObject({ hits: 1, misses: 2 });
    }
    await app.close();
  });
});
