import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { Cached, CacheEvict, CacheModule, CachePut, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { deferred, Deferred } from '../helpers/deferred';

interface Product {
  id: string;
  name: string;
}

@Injectable()
class ProductsService {
  names = new Map<string, string>();
  calls = { find: 0, save: 0 };
  cachedDuringRun?: boolean;
  gate?: Deferred;
  started?: Deferred;

  constructor(private readonly cache: CacheService) {}

  @Cached({ key: 'product:{0}', tags: ['product:{0}'] })
  async find(id: string): Promise<Product> {
    this.calls.find++;
    const name = this.names.get(id) ?? `product ${id}`;
    this.started?.resolve();
    if (this.gate) await this.gate.promise;
    return { id, name };
  }

  @CachePut({ key: 'product:{0}' })
  async save(id: string, name: string): Promise<Product> {
    this.calls.save++;
    this.names.set(id, name);
    return { id, name };
  }

  @CacheEvict({ keys: ['product:{0}'] })
  async rename(id: string, name: string): Promise<void> {
    this.names.set(id, name);
  }

  @CacheEvict({ tags: ['product:{0}'] })
  async retag(id: string, name: string): Promise<void> {
    this.names.set(id, name);
  }

  @CacheEvict({ keys: [(product: Product) => `product:${product.id}`] })
  async replace(product: Product): Promise<void> {
    this.names.set(product.id, product.name);
  }

  @CacheEvict({ all: true })
  async reset(): Promise<void> {
    this.names.clear();
  }

  @CacheEvict({ keys: ['product:{0}'] })
  async failingRename(id: string, name: string): Promise<void> {
    this.names.set(id, name);
    throw new Error('write failed');
  }

  @CacheEvict({ keys: ['product:{0}'], before: true })
  async renameBefore(id: string, name: string): Promise<void> {
    this.cachedDuringRun = await this.cache.has(`product:${id}`);
    this.names.set(id, name);
  }

  @CacheEvict({ keys: ['product:{0}'], before: true })
  async failingRenameBefore(id: string): Promise<void> {
    throw new Error(`cannot rename ${id}`);
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [ProductsService] })
class AppModule {}

describe('@CachePut and @CacheEvict on provider methods', () => {
  let app: INestApplicationContext;
  let products: ProductsService;
  let cache: CacheService;

  beforeEach(async () => {
    ({ app } = await bootContext(AppModule));
    products = app.get(ProductsService);
    cache = app.get(CacheService);
  });
  afterEach(() => app.close());

  it('@CachePut always runs and stores what a later @Cached read returns without running', async () => {
    await products.save('1', 'first');
    expect(await products.save('1', 'second')).toEqual({ id: '1', name: 'second' });
    expect(products.calls.save).toBe(2);
    expect(await products.find('1')).toEqual({ id: '1', name: 'second' });
    expect(products.calls.find).toBe(0);
  });

  it('@CachePut replaces an entry @Cached already holds', async () => {
    await products.find('1');
    await products.save('1', 'put');
    expect(await products.find('1')).toEqual({ id: '1', name: 'put' });
    expect(products.calls.find).toBe(1);
  });

  it('@CachePut wins over a slower @Cached read that started before it', async () => {
    products.gate = deferred();
    products.started = deferred();
    const slowRead = products.find('1');
    await products.started.promise;
    await products.save('1', 'put');
    products.gate.resolve();
    expect(await slowRead).toEqual({ id: '1', name: 'product 1' });
    products.gate = undefined;
    expect(await products.find('1')).toEqual({ id: '1', name: 'put' });
    expect(products.calls.find).toBe(1);
  });

  it.each([
    ['keys', (p: ProductsService) => p.rename('1', 'renamed')],
    ['tags', (p: ProductsService) => p.retag('1', 'renamed')],
    ['a key function', (p: ProductsService) => p.replace({ id: '1', name: 'renamed' })],
    ['all', (p: ProductsService) => p.reset().then(() => p.names.set('1', 'renamed'))],
  ])('@CacheEvict by %s drops the entry once the method resolved', async (_, evict) => {
    await products.find('1');
    await products.find('2');
    await evict(products);
    expect(await products.find('1')).toEqual({ id: '1', name: 'renamed' });
    expect(products.calls.find).toBe(3);
  });

  it('@CacheEvict by key leaves other entries alone', async () => {
    await products.find('1');
    await products.find('2');
    await products.rename('1', 'renamed');
    await products.find('2');
    expect(products.calls.find).toBe(2);
  });

  it('@CacheEvict({ all: true }) clears CacheService entries of the namespace too', async () => {
    await cache.set('settings', { theme: 'dark' });
    await products.reset();
    expect(await cache.get('settings')).toBeUndefined();
  });

  it('evicts nothing when the method throws', async () => {
    await products.find('1');
    await expect(products.failingRename('1', 'renamed')).rejects.toThrow('write failed');
    expect(await products.find('1')).toEqual({ id: '1', name: 'product 1' });
    expect(products.calls.find).toBe(1);
  });

  it('with before: true, evicts before the method runs', async () => {
    await products.find('1');
    await products.renameBefore('1', 'renamed');
    expect(products.cachedDuringRun).toBe(false);
    expect(await products.find('1')).toEqual({ id: '1', name: 'renamed' });
  });

  it('with before: true, has evicted even when the method then throws', async () => {
    await products.find('1');
    await expect(products.failingRenameBefore('1')).rejects.toThrow('cannot rename 1');
    await products.find('1');
    expect(products.calls.find).toBe(2);
  });
});
