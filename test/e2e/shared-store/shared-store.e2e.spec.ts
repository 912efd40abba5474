import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import Keyv from 'keyv';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { deferred, Deferred } from '../helpers/deferred';

const shared = new Keyv();

@Injectable()
class ProductsService {
  calls = 0;
  version = 1;
  gate?: Deferred;
  started?: Deferred;

  @Cached({ ttl: '1m', tags: ['products', 'product:{0}'] })
  async findOne(id: string): Promise<{ id: string; version: number }> {
    this.calls++;
    const version = this.version;
    this.started?.resolve();
    if (this.gate) await this.gate.promise;
    return { id, version };
  }
}

@Module({ imports: [CacheModule.forRoot({ store: shared })], providers: [ProductsService] })
class AppModule {}

describe('invalidation across apps sharing one Keyv store', () => {
  let a: INestApplicationContext;
  let b: INestApplicationContext;
  let serviceA: ProductsService;
  let serviceB: ProductsService;
  let cacheA: CacheService;

  beforeEach(async () => {
    await shared.clear();
    ({ app: a } = await bootContext(AppModule));
    ({ app: b } = await bootContext(AppModule));
    serviceA = a.get(ProductsService);
    serviceB = b.get(ProductsService);
    cacheA = a.get(CacheService);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('shares entries: what app A computed, app B reads without running', async () => {
    expect(serviceA).not.toBe(serviceB);
    await serviceA.findOne('1');
    expect(await serviceB.findOne('1')).toEqual({ id: '1', version: 1 });
    expect([serviceA.calls, serviceB.calls]).toEqual([1, 0]);
  });

  it('makes app B miss after app A invalidates a tag', async () => {
    await serviceB.findOne('1');
    await serviceB.findOne('2');
    expect(serviceB.calls).toBe(2);
    await cacheA.invalidateTags('product:1');
    serviceB.version = 2;
    expect(await serviceB.findOne('1')).toEqual({ id: '1', version: 2 });
    expect(await serviceB.findOne('2')).toEqual({ id: '2', version: 1 });
    expect(serviceB.calls).toBe(3);
  });

  it('makes app B miss after app A invalidates the implicit tag Class.method', async () => {
    await serviceB.findOne('1');
    await cacheA.invalidateTags('ProductsService.findOne');
    await serviceB.findOne('1');
    expect(serviceB.calls).toBe(2);
  });

  it('makes app B miss after app A deletes the key', async () => {
    await serviceB.findOne('1');
    await cacheA.delete('ProductsService.findOne:["1"]');
    await serviceB.findOne('1');
    expect(serviceB.calls).toBe(2);
  });

  it('never serves in app B a value whose computation started before app A invalidated', async () => {
    serviceB.gate = deferred();
    serviceB.started = deferred();
    const pending = serviceB.findOne('1');
    await serviceB.started.promise;
    await cacheA.invalidateTags('products');
    serviceB.version = 2;
    serviceB.gate.resolve();
    expect(await pending).toEqual({ id: '1', version: 1 });
    serviceB.gate = undefined;
    serviceB.started = undefined;
    expect(await serviceB.findOne('1')).toEqual({ id: '1', version: 2 });
    expect(await serviceA.findOne('1')).toEqual({ id: '1', version: 2 });
    expect([serviceA.calls, serviceB.calls]).toEqual([0, 2]);
  });

  it('stores concurrent first computations of a new tag, each of them', async () => {
    await Promise.all([serviceA.findOne('1'), serviceA.findOne('2'), serviceA.findOne('3')]);
    await Promise.all([serviceA.findOne('1'), serviceA.findOne('2'), serviceA.findOne('3')]);
    expect(serviceA.calls).toBe(3);
  });
});
