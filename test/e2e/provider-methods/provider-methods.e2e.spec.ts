import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cached, CacheEvict, CacheModule, CachePut, CacheService } from 'nestjs-cached';

@Injectable()
class ProductsService {
  calls = 0;
  names = new Map<string, string>();

  @Cached({ ttl: '10m', tags: ['products', 'product:{0}'] })
  async findOne(id: string): Promise<{ id: string; name: string; calls: number }> {
    this.calls++;
    return { id, name: this.names.get(id) ?? `product ${id}`, calls: this.calls };
  }

  @CacheEvict({ tags: ['product:{0}'] })
  async rename(id: string, name: string): Promise<void> {
    this.names.set(id, name);
  }

  @CachePut({ key: 'product:{0}' })
  async save(id: string, name: string) {
    this.names.set(id, name);
    return { id, name };
  }

  @Cached({ key: 'product:{0}' })
  async byKey(id: string): Promise<unknown> {
    this.calls++;
    return { id, name: 'from method' };
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [ProductsService] })
class AppModule {}

describe('provider methods', () => {
  it('caches by arguments, invalidates by tag, and keeps the name', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    const service = app.get(ProductsService);
    const cache = app.get(CacheService);
    expect(service.findOne.name).toBe('findOne');
    const a = await service.findOne('1');
    const b = await service.findOne('1');
    expect(b).toEqual(a);
    expect(service.calls).toBe(1);
    await service.findOne('2');
    expect(service.calls).toBe(2);
    await service.rename('1', 'renamed');
    expect((await service.findOne('1')).name).toBe('renamed');
    expect(service.calls).toBe(3);
    await cache.invalidateTags('ProductsService.findOne');
    await service.findOne('2');
    expect(service.calls).toBe(4);
    await service.save('9', 'put');
    expect(await service.byKey('9')).toEqual({ id: '9', name: 'put' });
    expect(service.calls).toBe(4);
    await app.close();
  });
});
