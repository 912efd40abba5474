import { Test } from '@nestjs/testing';
import Keyv from 'keyv';
import { CacheConfigError, CacheModule, CacheService, memoryStore } from 'nestjs-cached';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function serviceWith(options: Parameters<typeof CacheModule.forRoot>[0] = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheModule.forRoot(options)],
  }).compile();
  return moduleRef.get(CacheService);
}

describe('CacheService', () => {
  let cache: CacheService;
  beforeEach(async () => (cache = await serviceWith()));

  it('get / set / has / delete', async () => {
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
    await cache.set('k', { a: 1 });
    expect(await cache.has('k')).toBe(true);
    expect(await cache.get('k')).toEqual({ a: 1 });
    await cache.delete('k');
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('x', 1);
    await cache.set('y', 2);
    await cache.delete(['x', 'y']);
    expect([await cache.has('x'), await cache.has('y')]).toEqual([false, false]);
  });

  it.each([
    ['an object', { a: 1, nested: { b: [1, 2] } }],
    ['an array', [1, 'two', null]],
    ['a Date', new Date('2020-01-01T00:00:00Z')],
    ['a Buffer', Buffer.from([1, 2, 3])],
    ['a Map', new Map<string, unknown>([['a', { b: 1 }]])],
    ['a Set', new Set([1, 'two'])],
    ['a BigInt', 2n ** 70n],
    ['null', null],
    ['zero', 0],
    ['false', false],
    ['the empty string', ''],
  ])('round-trips %s by value', async (_, value) => {
    await cache.set('v', value);
    const back = await cache.get('v');
    expect(back).toEqual(value);
    if (value !== null && typeof value === 'object') {
      expect(back).not.toBe(value);
      expect(Object.getPrototypeOf(back)).toBe(Object.getPrototypeOf(value));
    }
  });

  it('stores null as a value', async () => {
    await cache.set('n', null);
    expect(await cache.has('n')).toBe(true);
    expect(await cache.get('n')).toBeNull();
  });

  it('never stores undefined', async () => {
    await cache.set('u', 'before');
    await cache.set('u', undefined);
    expect(await cache.get('u')).toBe('before');
    await cache.set('never', undefined);
    expect(await cache.has('never')).toBe(false);
    expect(await cache.wrap('w', () => undefined)).toBeUndefined();
    expect(await cache.has('w')).toBe(false);
  });

  it('hands out copies: mutating a returned or given object never changes the cache', async () => {
    const original = { list: [1, 2], nested: { n: 1 } };
    await cache.set('obj', original);
    original.list.push(3);
    original.nested.n = 99;
    const first = await cache.get<typeof original>('obj');
    first!.list.push(4);
    first!.nested.n = 42;
    expect(await cache.get('obj')).toEqual({ list: [1, 2], nested: { n: 1 } });
    const wrapped = await cache.wrap('w', () => ({ n: 1 }));
    wrapped.n = 2;
    expect(await cache.get('w')).toEqual({ n: 1 });
  });

  it('hands out independent copies on every hit, however often the key is read', async () => {
    const stored = { id: 7, tags: ['a'], price: { amount: 1, currency: 'EUR' }, rows: [{ n: 1 }] };
    await cache.set('hot', stored);
    await cache.wrap('wrapped', () => stored);
    for (const key of ['hot', 'wrapped']) {
      const seen = new Set<unknown>();
      for (let i = 0; i < 8; i++) {
        const value = (await cache.get<typeof stored>(key))!;
        expect(value).toEqual(stored);
        expect(seen.has(value) || seen.has(value.price) || seen.has(value.rows[0])).toBe(false);
        [value, value.price, value.rows[0]].forEach((object) => seen.add(object));
        value.tags.push('changed');
        value.price.amount = -1;
        value.rows[0].n = -1;
        delete (value as Partial<typeof stored>).id;
      }
    }
    expect(await cache.wrap('wrapped', () => ({ other: true }))).toEqual(stored);
  });

  it('reads every key right among more keys than it remembers store keys of', async () => {
    const keys = Array.from({ length: 2_500 }, (_, i) => `key:${i}`);
    for (const key of keys) await cache.set(key, { key });
    for (const key of [...keys, ...keys.slice(0, 10)]) {
      expect(await cache.get(key)).toEqual({ key });
    }
    expect(await cache.get('key:2500')).toBeUndefined();
  });

  it('respects a ttl given in ms or as a string', async () => {
    await cache.set('short', 1, { ttl: 50 });
    await cache.set('short-s', 1, { ttl: '50ms' });
    await cache.set('long', 1, { ttl: '1m' });
    expect(await cache.has('short')).toBe(true);
    await sleep(120);
    expect(await cache.has('short')).toBe(false);
    expect(await cache.has('short-s')).toBe(false);
    expect(await cache.has('long')).toBe(true);
  });

  it.each([0, -1, NaN, 'soon', '0s'])('rejects ttl %p with a CacheConfigError', async (ttl) => {
    await expect(cache.set('k', 1, { ttl: ttl as never })).rejects.toBeInstanceOf(CacheConfigError);
    await expect(cache.wrap('k', () => 1, { ttl: ttl as never })).rejects.toBeInstanceOf(
      CacheConfigError,
    );
    expect(await cache.has('k')).toBe(false);
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['a nested function', { a: [{ b: () => 1 }] }],
    ['a symbol', { s: Symbol('s') }],
  ])('rejects set of a value holding %s, and stores nothing', async (_, value) => {
    const error = await cache.set('bad', value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toContain("'bad'");
    expect(await cache.has('bad')).toBe(false);
  });

  it('wrap returns a value it cannot store, without storing it', async () => {
    const fn = () => 1;
    const value = await cache.wrap('fn', () => ({ fn }));
    expect(value.fn).toBe(fn);
    expect(await cache.has('fn')).toBe(false);
  });

  it('invalidateTags drops tagged entries only', async () => {
    await cache.set('a', 1, { tags: ['products'] });
    await cache.set('b', 2, { tags: ['products', 'featured'] });
    await cache.set('c', 3, { tags: ['orders'] });
    await cache.set('d', 4);
    await cache.invalidateTags('products');
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('c')).toBe(3);
    expect(await cache.get('d')).toBe(4);
    await cache.set('a', 5, { tags: ['products'] });
    expect(await cache.get('a')).toBe(5);
    await cache.invalidateTags(['orders', 'unknown']);
    expect(await cache.get('c')).toBeUndefined();
  });

  it('clear removes everything of the namespace', async () => {
    await cache.set('a', 1);
    await cache.set('b', 2, { tags: ['t'] });
    await cache.clear();
    expect([await cache.has('a'), await cache.has('b')]).toEqual([false, false]);
  });

  it('counts in stats()', async () => {
    await cache.get('nope');
    await cache.set('k', 1);
    await cache.get('k');
    await cache.delete('k');
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, sets: 1, deletes: 1, errors: 0 });
    expect(Object.keys(cache.stats()).sort()).toEqual(
      ['bypasses', 'coalesced', 'deletes', 'errors', 'hits', 'misses', 'sets', 'staleHits'].sort(),
    );
  });

  it('a delete during a wrap keeps the computed value out of the cache', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const pending = cache.wrap('k', async () => {
      await gate;
      return 'old';
    });
    await sleep(5);
    await cache.delete('k');
    release();
    expect(await pending).toBe('old');
    expect(await cache.has('k')).toBe(false);
  });
});

describe('CacheService over a bounded memoryStore', () => {
  it('keeps at most maxEntries entries', async () => {
    const cache = await serviceWith({ store: memoryStore({ maxEntries: 3 }) });
    for (const key of ['a', 'b', 'c', 'd', 'e']) await cache.set(key, key);
    expect(await cache.has('a')).toBe(false);
    expect(await cache.has('b')).toBe(false);
    expect(await cache.get('e')).toBe('e');
    expect(await cache.get('c')).toBe('c');
  });

  it('keeps at most maxBytes bytes', async () => {
    const cache = await serviceWith({ store: memoryStore({ maxBytes: 4_000 }) });
    const big = 'x'.repeat(700); // ~1.5 kB each once stored
    for (const key of ['a', 'b', 'c', 'd']) await cache.set(key, big);
    expect(await cache.has('a')).toBe(false);
    expect(await cache.get('d')).toBe(big);
  });
});

describe('two namespaces sharing one Keyv store', () => {
  it('never see each other, and clear() only clears its own', async () => {
    const shared = new Keyv();
    const shop = await serviceWith({ namespace: 'shop', store: shared });
    const blog = await serviceWith({ namespace: 'blog', store: shared });
    await shop.set('home', 'shop home', { tags: ['pages'] });
    await blog.set('home', 'blog home', { tags: ['pages'] });
    expect(await shop.get('home')).toBe('shop home');
    expect(await blog.get('home')).toBe('blog home');
    await shop.invalidateTags('pages');
    expect(await shop.get('home')).toBeUndefined();
    expect(await blog.get('home')).toBe('blog home');
    await shop.set('about', 'shop about');
    await shop.clear();
    expect(await shop.get('about')).toBeUndefined();
    expect(await blog.get('home')).toBe('blog home');
  });

  it('also with namespaces that are prefixes of each other', async () => {
    const shared = new Map();
    const a = await serviceWith({ namespace: 'app', store: shared });
    const b = await serviceWith({ namespace: 'app2', store: shared });
    await a.set('k', 'a');
    await b.set('k', 'b');
    await a.clear();
    expect(await a.get('k')).toBeUndefined();
    expect(await b.get('k')).toBe('b');
  });

  it('two instances sharing a store see each other’s writes and invalidations', async () => {
    const shared = new Keyv();
    const one = await serviceWith({ store: shared });
    const two = await serviceWith({ store: shared });
    await one.set('k', { v: 1 }, { tags: ['t'] });
    expect(await two.get('k')).toEqual({ v: 1 });
    await two.invalidateTags('t');
    expect(await one.get('k')).toBeUndefined();
  });
});
