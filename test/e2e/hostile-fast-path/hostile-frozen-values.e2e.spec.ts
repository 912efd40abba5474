import { Injectable, INestApplicationContext, Module } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';

let runs = 0;
let release: () => void = () => undefined;

@Injectable()
class SlowCatalog {
  @Cached({ values: 'frozen', key: 'slow' })
  async slow(): Promise<{ items: { id: number }[] }> {
    runs++;
    await new Promise<void>((resolve) => (release = resolve));
    return { items: [{ id: 1 }, { id: 2 }] };
  }

  @Cached({ values: 'frozen', key: 'mapped' })
  async mapped(): Promise<Map<string, number>> {
    runs++;
    return new Map([['a', 1]]);
  }

  @Cached({ values: 'frozen', key: 'fresh' })
  async fresh(): Promise<{ nested: { list: number[] } }> {
    runs++;
    return { nested: { list: [1, 2] } };
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [SlowCatalog] })
class FrozenModule {}

describe('hostile frozen values', () => {
  let app: INestApplicationContext;
  beforeAll(async () => ({ app } = await bootContext(FrozenModule)));
  afterAll(() => app.close());
  beforeEach(() => (runs = 0));

  it('single-flight joiners never share a mutable value with each other or the cache', async () => {
    const catalog = app.get(SlowCatalog);
    const calls = [catalog.slow(), catalog.slow(), catalog.slow()];
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const [a, b, c] = await Promise.all(calls);
    expect(runs).toBe(1);
    const expected = { items: [{ id: 1 }, { id: 2 }] };
    expect(b).not.toBe(a);
    expect(c).not.toBe(b);
    for (const mutated of [a, b]) {
      try {
        mutated.items.push({ id: 99 });
        mutated.items[0].id = 42;
      } catch {
        // frozen: a write throws, which is fine
      }
    }
    // Mutations by two callers reach neither the third caller nor the cache.
    expect(c).toEqual(expected);
    expect(await catalog.slow()).toEqual(expected);
  });

  it('a miss caller mutating its value right away never changes what hits return', async () => {
    const catalog = app.get(SlowCatalog);
    const first = await catalog.fresh();
    first.nested.list.push(3);
    first.nested = { list: [] };
    const hit = await catalog.fresh();
    expect(hit).toEqual({ nested: { list: [1, 2] } });
    expect(() => hit.nested.list.push(4)).toThrow(TypeError);
    expect(await catalog.fresh()).toEqual({ nested: { list: [1, 2] } });
    expect(runs).toBe(1);
  });

  it('a Map value is not shared mutable between hits', async () => {
    const catalog = app.get(SlowCatalog);
    const first = await catalog.mapped();
    const hit = await catalog.mapped();
    try {
      (hit as unknown as Map<string, number>).set?.('b', 2);
      (hit as unknown as Record<string, number>).b = 2;
    } catch {
      // frozen
    }
    const again = await catalog.mapped();
    expect(again).not.toBe(hit);
    const entries = (v: unknown) =>
      v instanceof Map ? [...v.entries()] : Object.entries(v as object);
    expect(entries(again)).toEqual(entries(first));
    expect((again as unknown as Record<string, number>).b).toBeUndefined();
  });

  it('wrap: frozen hits are shared and immutable, copies are fresh per call', async () => {
    const cache = app.get(CacheService);
    const load = async () => ({ deep: { list: [1, 2, 3] } });
    await cache.wrap('w:frozen', load, { values: 'frozen' });
    const f1 = await cache.wrap('w:frozen', load, { values: 'frozen' });
    const f2 = await cache.wrap('w:frozen', load, { values: 'frozen' });
    expect(f1).toBe(f2);
    expect(() => f1.deep.list.push(4)).toThrow(TypeError);
    const c1 = await cache.wrap('w:frozen', load);
    c1.deep.list.push(4);
    const c2 = await cache.wrap('w:frozen', load);
    expect(c2.deep.list).toEqual([1, 2, 3]);
    expect(c2).not.toBe(c1);
    expect(Object.isFrozen(c2)).toBe(false);
    // a copies caller mutating never reaches frozen callers
    const f3 = await cache.wrap('w:frozen', load, { values: 'frozen' });
    expect(f3.deep.list).toEqual([1, 2, 3]);
  });
});
