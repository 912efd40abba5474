import { Injectable, Module } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';

/**
 * Hostile: `CacheService.get` (and `@Cached` method hits) hand out clones of a kept decoded value
 * from an entry's second hit on. Entries rewritten, deleted and tag-invalidated between hits,
 * copies and frozen reads of one key in turn, concurrent callers, a polluted `Object.prototype`,
 * tagged values and awkward keys.
 */
let runs = 0;

@Injectable()
class Catalog {
  @Cached({ key: 'catalog:{0}' })
  async byId(id: number) {
    runs++;
    return { id, tags: ['a'], nested: { deep: [{ n: id }] } };
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [Catalog] })
class CopiesModule {}

type Doc = { n: number; list: { v: number }[]; meta: Record<string, unknown> };
const doc = (n: number): Doc => ({ n, list: [{ v: n }, { v: n + 1 }], meta: { n, ok: true } });

/** Reads `key` `times` times, mutating every result all the way down once it has been checked. */
async function readAndMutate(cache: CacheService, key: string, expected: unknown, times = 4) {
  for (let i = 0; i < times; i++) {
    const got = await cache.get<Doc>(key);
    expect(got).toEqual(expected);
    if (got && typeof got === 'object') {
      got.n = -1;
      got.list.push({ v: -1 });
      got.list[0].v = -1;
      got.meta.ok = false;
      delete got.meta.n;
    }
  }
}

describe('CacheService copies, attacked (hostile)', () => {
  let app: Awaited<ReturnType<typeof bootContext>>['app'];
  let cache: CacheService;
  beforeAll(async () => {
    ({ app } = await bootContext(CopiesModule));
    cache = app.get(CacheService);
  });
  afterAll(() => app.close());

  it('an entry overwritten between hits: the new value from the first hit on, never the old', async () => {
    await cache.set('rw', doc(1));
    await readAndMutate(cache, 'rw', doc(1));
    await cache.set('rw', doc(2));
    await readAndMutate(cache, 'rw', doc(2));
    // The same value written again (an equal payload string): still fresh, unmutated copies.
    await cache.set('rw', doc(2));
    await readAndMutate(cache, 'rw', doc(2));
    await cache.set('rw', doc(1));
    await readAndMutate(cache, 'rw', doc(1));
  });

  it('an entry deleted, or its tag invalidated, between hits is gone', async () => {
    await cache.set('del', doc(3));
    await readAndMutate(cache, 'del', doc(3));
    await cache.delete('del');
    expect(await cache.get('del')).toBeUndefined();
    await cache.set('tagged', doc(4), { tags: ['t1'] });
    await readAndMutate(cache, 'tagged', doc(4));
    await cache.invalidateTags('t1');
    expect(await cache.get('tagged')).toBeUndefined();
    await cache.set('tagged', doc(5), { tags: ['t1'] });
    await readAndMutate(cache, 'tagged', doc(5));
  });

  it('two keys holding the same payload share no object', async () => {
    await cache.set('twin:a', doc(6));
    await cache.set('twin:b', doc(6));
    for (let i = 0; i < 3; i++) {
      const a = (await cache.get<Doc>('twin:a'))!;
      const b = (await cache.get<Doc>('twin:b'))!;
      expect(a).toEqual(doc(6));
      expect(b).toEqual(doc(6));
      expect(a.list).not.toBe(b.list);
      a.list[0].v = 99;
      expect(b.list[0].v).toBe(6);
    }
  });

  it('copies and frozen wraps of one key in turn: frozen stays frozen, copies stay free', async () => {
    await cache.set('mixed', doc(7));
    let shared: Doc | undefined;
    for (let i = 0; i < 5; i++) {
      const copy = (await cache.get<Doc>('mixed'))!;
      const frozen = await cache.wrap<Doc>('mixed', async () => doc(-7), { values: 'frozen' });
      shared ??= frozen;
      expect(frozen).toBe(shared);
      expect(Object.isFrozen(frozen.list[0])).toBe(true);
      expect(Object.isFrozen(copy.list[0])).toBe(false);
      expect(copy).toEqual(doc(7));
      copy.list[0].v = 1000;
      expect(frozen.list[0].v).toBe(7);
      const wrapped = await cache.wrap<Doc>('mixed', async () => doc(-7));
      expect(wrapped).toEqual(doc(7));
      expect(wrapped).not.toBe(frozen);
      wrapped.meta.ok = 'changed';
    }
  });

  it('concurrent callers each get their own copy', async () => {
    await cache.set('crowd', doc(8));
    await cache.get('crowd');
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.get<Doc>('crowd')));
    const objects = new Set<object>();
    for (const got of all) {
      expect(got).toEqual(doc(8));
      objects.add(got!);
      objects.add(got!.list);
      objects.add(got!.list[0]);
      objects.add(got!.meta);
    }
    expect(objects.size).toBe(50 * 4);
  });

  it('an accessor put on Object.prototype after the kept value was built (should.js-like)', async () => {
    await cache.set('accessor', { a: { b: 1 }, should: 'keep me' });
    for (let i = 0; i < 3; i++) await cache.get('accessor');
    let setterCalls = 0;
    Object.defineProperty(Object.prototype, 'should', {
      configurable: true,
      get: () => 'assertion',
      set: () => void setterCalls++,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const got = (await cache.get<Record<string, unknown>>('accessor'))!;
        expect(Object.keys(got)).toEqual(['a', 'should']);
        expect(Object.getOwnPropertyDescriptor(got, 'should')?.value).toBe('keep me');
      }
    } finally {
      delete (Object.prototype as Record<string, unknown>).should;
    }
    expect(setterCalls).toBe(0);
    expect(await cache.get('accessor')).toEqual({ a: { b: 1 }, should: 'keep me' });
  });

  it('an enumerable object on Object.prototype: copies stay the parse, the object unfrozen', async () => {
    const config = { mutable: 1 };
    const proto = Object.prototype as Record<string, unknown>;
    proto.appConfig = config;
    try {
      await cache.set('enumerable', { a: { b: 1 } });
      for (let i = 0; i < 4; i++) {
        const got = (await cache.get<Record<string, unknown>>('enumerable'))!;
        expect(Object.keys(got)).toEqual(['a']);
      }
      config.mutable = 2;
      expect(config.mutable).toBe(2);
      expect(Object.isFrozen(config)).toBe(false);
    } finally {
      delete proto.appConfig;
    }
    expect(await cache.get('enumerable')).toEqual({ a: { b: 1 } });
  });

  it('tagged values (Date, Map, Set, BigInt, Buffer) stay right and fresh on every hit', async () => {
    const value = {
      at: new Date(86_400_000),
      map: new Map<string, unknown>([['k', { v: 1 }]]),
      set: new Set([1, 2]),
      big: 12345678901234567890n,
      buf: Buffer.from('bytes'),
      plain: { n: 1 },
    };
    await cache.set('tagged-values', value);
    for (let i = 0; i < 4; i++) {
      const got = (await cache.get<typeof value>('tagged-values'))!;
      expect(got.at).toEqual(value.at);
      expect(got.map).toEqual(value.map);
      expect(got.set).toEqual(value.set);
      expect(got.big).toBe(value.big);
      expect(Buffer.isBuffer(got.buf) && got.buf.toString()).toBe('bytes');
      got.at.setTime(0);
      got.map.set('k', 'mutated');
      got.set.add(3);
      got.buf.write('XX');
      got.plain.n = -1;
    }
  });

  it('awkward keys: __proto__, constructor, hasOwnProperty are keys like any other', async () => {
    for (const key of ['__proto__', 'constructor', 'hasOwnProperty', 'toString']) {
      await cache.set(key, { key });
      for (let i = 0; i < 3; i++) expect(await cache.get(key)).toEqual({ key });
    }
    expect(await cache.get('valueOf')).toBeUndefined();
  });

  it('values with __proto__ / constructor / toJSON keys come back as own data, unpolluting', async () => {
    const text = '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"toJSON":7}';
    const value = JSON.parse(text);
    await cache.set('proto-keys', value);
    for (let i = 0; i < 4; i++) {
      const got = (await cache.get<Record<string, unknown>>('proto-keys'))!;
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      expect(Object.keys(got)).toEqual(['__proto__', 'constructor', 'toJSON']);
      expect((got as { admin?: unknown }).admin).toBeUndefined();
      expect(JSON.stringify(got)).toBe(text);
    }
    expect(({} as { admin?: unknown; x?: unknown }).admin).toBeUndefined();
  });

  it('@Cached method hits are copies too, mutations never reaching later hits', async () => {
    const catalog = app.get(Catalog);
    const first = await catalog.byId(1);
    for (let i = 0; i < 4; i++) {
      const hit = await catalog.byId(1);
      expect(hit).toEqual({ id: 1, tags: ['a'], nested: { deep: [{ n: 1 }] } });
      expect(hit).not.toBe(first);
      hit.tags.push('x');
      hit.nested.deep[0].n = -1;
    }
    expect(runs).toBe(1);
    expect(await cache.get('catalog:1')).toEqual({
      id: 1,
      tags: ['a'],
      nested: { deep: [{ n: 1 }] },
    });
  });
});
