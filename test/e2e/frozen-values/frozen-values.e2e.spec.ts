import { Injectable, Module } from '@nestjs/common';
import { Cached, CacheConfigError, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';

let runs = 0;

@Injectable()
class CatalogService {
  @Cached({ values: 'frozen' })
  async list(): Promise<{ id: number; tags: string[] }[]> {
    runs++;
    return Array.from({ length: 1000 }, (_, id) => ({ id, tags: ['a', 'b'] }));
  }

  @Cached()
  async copied(): Promise<{ items: number[] }> {
    runs++;
    return { items: [1, 2, 3] };
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [CatalogService] })
class PerDecoratorModule {}

@Module({ imports: [CacheModule.forRoot({ values: 'frozen' })] })
class ModuleWideModule {}

describe('frozen values (values: "frozen")', () => {
  it('per decorator: hits share one deep-frozen value; a write throws and never reaches the cache', async () => {
    const { app } = await bootContext(PerDecoratorModule);
    try {
      const catalog = app.get(CatalogService);
      const first = await catalog.list();
      const a = await catalog.list();
      const b = await catalog.list();
      expect(runs).toBe(1);
      expect(a).toBe(b);
      expect(a).toEqual(first);
      expect(Object.isFrozen(a)).toBe(true);
      expect(Object.isFrozen(a[999].tags)).toBe(true);
      expect(() => {
        a[0].id = 42;
      }).toThrow(TypeError);
      expect(() => a.push({ id: 1, tags: [] })).toThrow(TypeError);
      expect(() => a[1].tags.push('c')).toThrow(TypeError);
      const again = await catalog.list();
      expect(again[0].id).toBe(0);
      expect(again).toHaveLength(1000);
      // The caller's own first value is not frozen: it was never shared.
      expect(Object.isFrozen(first)).toBe(false);

      const c1 = await catalog.copied();
      const c2 = await catalog.copied();
      const c3 = await catalog.copied();
      expect(c2).not.toBe(c3);
      expect(Object.isFrozen(c2)).toBe(false);
      c2.items.push(4);
      expect((await catalog.copied()).items).toEqual(c1.items);
    } finally {
      await app.close();
    }
  });

  it('module-wide: CacheService.get and wrap hits share one frozen value', async () => {
    const { app } = await bootContext(ModuleWideModule);
    try {
      const cache = app.get(CacheService);
      await cache.set('k', { nested: { list: [1, 2] } });
      const a = await cache.get<{ nested: { list: number[] } }>('k');
      const b = await cache.get<{ nested: { list: number[] } }>('k');
      expect(a).toBe(b);
      expect(() => a!.nested.list.push(3)).toThrow(TypeError);
      expect((await cache.get<{ nested: { list: number[] } }>('k'))!.nested.list).toEqual([1, 2]);
      const w1 = await cache.wrap('w', async () => ({ n: 1 }));
      const w2 = await cache.wrap('w', async () => ({ n: 2 }));
      const w3 = await cache.wrap('w', async () => ({ n: 3 }));
      expect(w1).toEqual({ n: 1 });
      expect(w2).toBe(w3);
      expect(Object.isFrozen(w2)).toBe(true);
      // Per call, copies can still be asked for.
      const c1 = await cache.wrap('w', async () => ({ n: 4 }), { values: 'copies' });
      expect(c1).toEqual({ n: 1 });
      expect(c1).not.toBe(w2);
      expect(Object.isFrozen(c1)).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('values freezing cannot protect (Date, Map) are copies on every hit', async () => {
    const { app } = await bootContext(ModuleWideModule);
    try {
      const cache = app.get(CacheService);
      await cache.set('rich', { at: new Date(0), map: new Map([['a', 1]]) });
      const a = await cache.get<{ at: Date; map: Map<string, number> }>('rich');
      const b = await cache.get<{ at: Date; map: Map<string, number> }>('rich');
      expect(a).not.toBe(b);
      a!.at.setTime(5);
      a!.map.set('b', 2);
      expect(b!.at.getTime()).toBe(0);
      expect((await cache.get<{ map: Map<string, number> }>('rich'))!.map.size).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('per wrap call on a module that copies', async () => {
    const { app } = await bootContext(PerDecoratorModule);
    try {
      const cache = app.get(CacheService);
      await cache.wrap('p', async () => [1, 2], { values: 'frozen' });
      const a = await cache.wrap('p', async () => [3], { values: 'frozen' });
      const b = await cache.wrap('p', async () => [3], { values: 'frozen' });
      expect(a).toBe(b);
      expect(await cache.get('p')).not.toBe(a);
    } finally {
      await app.close();
    }
  });

  it('rejects an unknown mode at decoration and at bootstrap', async () => {
    @Module({ imports: [CacheModule.forRoot({ values: 'shared' as never })] })
    class BadModule {}
    await expect(bootContext(BadModule)).rejects.toThrow(CacheConfigError);
    expect(() => {
      class Bad {
        @Cached({ values: 'shared' as never })
        async m() {
          return 1;
        }
      }
      void Bad;
    }).toThrow(CacheConfigError);
  });
});
