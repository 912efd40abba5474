import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { LogCapture } from '../helpers/log-capture';

@Injectable()
class CatalogService {
  calls = { product: 0, offer: 0, other: 0, total: 0 };

  @Cached({
    tags: ['catalog', 'product:{0}', 'shop:{1.shop}', (id: string) => `initial:${id[0]}`],
  })
  async product(id: string, ctx: { shop: string }): Promise<string> {
    this.calls.product++;
    return `${id}@${ctx.shop}`;
  }

  @Cached({ tags: ['catalog'] })
  async offer(id: string): Promise<string> {
    this.calls.offer++;
    return `offer ${id}`;
  }

  @Cached({ tags: [(order: { customer?: { id: string } }) => `customer:${order.customer!.id}`] })
  async total(order: { customer?: { id: string }; amount: number }): Promise<number> {
    this.calls.total++;
    return order.amount;
  }

  @Cached()
  async other(id: string): Promise<string> {
    this.calls.other++;
    return `other ${id}`;
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [CatalogService] })
class AppModule {}

describe('tags on provider methods and CacheService', () => {
  let app: INestApplicationContext;
  let logs: LogCapture;
  let catalog: CatalogService;
  let cache: CacheService;

  beforeEach(async () => {
    ({ app, logs } = await bootContext(AppModule));
    catalog = app.get(CatalogService);
    cache = app.get(CacheService);
  });
  afterEach(() => app.close());

  /** Calls every method once per id; returns how many times each ran in total. */
  const touchAll = async () => {
    for (const id of ['a1', 'b1']) {
      await catalog.product(id, { shop: id === 'a1' ? 'north' : 'south' });
      await catalog.offer(id);
      await catalog.other(id);
    }
    const { product, offer, other } = catalog.calls;
    return { product, offer, other };
  };

  it('invalidates by a static tag every entry carrying it, and no other', async () => {
    await touchAll();
    await cache.invalidateTags('catalog');
    expect(await touchAll()).toEqual({ product: 4, offer: 4, other: 2 });
  });

  it('invalidates by a {0} template tag only the entry of that argument', async () => {
    await touchAll();
    await cache.invalidateTags('product:a1');
    expect(await touchAll()).toEqual({ product: 3, offer: 2, other: 2 });
  });

  it('invalidates by a {1.shop} template tag and by a tag function', async () => {
    await touchAll();
    await cache.invalidateTags('shop:south');
    expect(await touchAll()).toEqual({ product: 3, offer: 2, other: 2 });
    await cache.invalidateTags(['initial:a']);
    expect(await touchAll()).toEqual({ product: 4, offer: 2, other: 2 });
  });

  it('tags every entry with the implicit Class.method, whatever its arguments', async () => {
    await touchAll();
    await cache.invalidateTags('CatalogService.other');
    expect(await touchAll()).toEqual({ product: 2, offer: 2, other: 4 });
    await cache.invalidateTags('CatalogService.product');
    expect(await touchAll()).toEqual({ product: 4, offer: 2, other: 4 });
  });

  it('runs a call uncached, with one warning, when a tag function throws on its arguments', async () => {
    const noCustomer = { amount: 5 };
    const results = [await catalog.total(noCustomer), await catalog.total(noCustomer)];
    expect(results).toEqual([5, 5]);
    expect(catalog.calls.total).toBe(2);
    expect(logs.warningsAbout('CatalogService@total')).toHaveLength(1);
    const order = { customer: { id: 'c1' }, amount: 7 };
    await catalog.total(order);
    await catalog.total(order);
    expect(catalog.calls.total).toBe(3);
    await cache.invalidateTags('customer:c1');
    await catalog.total(order);
    expect(catalog.calls.total).toBe(4);
  });

  it('tags CacheService.set entries', async () => {
    await cache.set('product:1', { id: 1 }, { tags: ['products', 'product:1'] });
    await cache.set('product:2', { id: 2 }, { tags: ['products', 'product:2'] });
    await cache.invalidateTags('product:1');
    expect(await cache.get('product:1')).toBeUndefined();
    expect(await cache.get('product:2')).toEqual({ id: 2 });
    await cache.invalidateTags(['products']);
    expect(await cache.get('product:2')).toBeUndefined();
  });

  it('tags CacheService.wrap entries', async () => {
    let runs = 0;
    const load = (id: number) =>
      cache.wrap(`offer:${id}`, async () => ({ id, run: ++runs }), { tags: [`offer:${id}`] });
    await load(1);
    await load(2);
    expect(runs).toBe(2);
    await cache.invalidateTags('offer:1');
    expect(await load(1)).toEqual({ id: 1, run: 3 });
    expect(await load(2)).toEqual({ id: 2, run: 2 });
  });
});
