/**
 * CacheService additions a port from @nestjs/cache-manager needed: ttl from the result, strict
 * calls for data kept only in the cache, and delete(undefined).
 */
import { Injectable, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CacheConfigError,
  CacheModule,
  CacheService,
  CacheStoreError,
  Cached,
  MemoryStore,
} from 'nestjs-cached';
import { bootContext } from '../../e2e/helpers/app-context';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A memory store that can be made to fail (throw) or hang (never answer). */
class FlakyStore extends MemoryStore {
  mode: 'up' | 'down' | 'hang' = 'up';
  /** Only writes fail. */
  setDown = false;
  private check<T>(call: () => T): T {
    if (this.mode === 'down') throw new Error('store down');
    if (this.mode === 'hang') return new Promise<never>(() => undefined) as T;
    return call();
  }
  override get(key: string) {
    return this.check(() => super.get(key));
  }
  override getMany(keys: readonly string[]) {
    return this.check(() => super.getMany(keys));
  }
  override set(key: string, value: string, ttlMs: number) {
    if (this.setDown) throw new Error('writes refused');
    return this.check(() => super.set(key, value, ttlMs));
  }
}

async function serviceWith(store = new FlakyStore()) {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheModule.forRoot({ store, storeTimeout: 50 })],
  }).compile();
  return { cache: moduleRef.get(CacheService), store };
}

describe('ttl as a function of the result', () => {
  it('set and wrap keep a value for the ttl its function gives', async () => {
    const { cache } = await serviceWith();
    const link = { url: 'https://x', expiresInMs: 40 };
    await cache.set('link:a', link, { ttl: (l) => l.expiresInMs });
    await cache.wrap('link:b', async () => ({ ...link, expiresInMs: 400 }), {
      ttl: (l) => l.expiresInMs,
    });
    expect(await cache.get('link:a')).toEqual(link);
    await sleep(80);
    expect(await cache.get('link:a')).toBeUndefined();
    expect(await cache.get('link:b')).toMatchObject({ expiresInMs: 400 });
  });

  it('accepts duration strings and Infinity from the function', async () => {
    const { cache } = await serviceWith();
    await cache.set('a', 1, { ttl: () => '1h' });
    await cache.set('b', 2, { ttl: () => Infinity });
    expect([await cache.get('a'), await cache.get('b')]).toEqual([1, 2]);
  });

  it.each([
    ['zero', 0],
    ['a negative number', -5],
    ['NaN', NaN],
    ["'60' (ambiguous)", '60'],
    ['undefined', undefined],
  ])(
    'an answer of %s: not stored, one warning, the caller still gets the value',
    async (_, bad) => {
      const { cache } = await serviceWith();
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
      let runs = 0;
      const factory = async () => (++runs, { n: 1 });
      expect(await cache.wrap('w', factory, { ttl: () => bad as never })).toEqual({ n: 1 });
      expect(await cache.wrap('w', factory, { ttl: () => bad as never })).toEqual({ n: 1 });
      expect(runs).toBe(2);
      await cache.set('s', 1, { ttl: () => bad as never });
      expect(await cache.get('s')).toBeUndefined();
      const about = (key: string) =>
        warn.mock.calls.map(String).filter((m) => m.startsWith(`${key}: the ttl function`));
      expect(about('w')).toHaveLength(1);
      expect(about('s')).toHaveLength(1);
      warn.mockRestore();
    },
  );

  it('a ttl function that throws: not stored, the caller still gets the value', async () => {
    const { cache } = await serviceWith();
    const value = await cache.wrap('t', async () => 7, {
      ttl: () => {
        throw new Error('no expiry field');
      },
    });
    expect(value).toBe(7);
    expect(await cache.get('t')).toBeUndefined();
  });

  it('on a @Cached provider method: the entry lives as long as the result says', async () => {
    @Injectable()
    class LinksService {
      calls = 0;
      @Cached({ ttl: (link: { ttlMs: number }) => link.ttlMs })
      async resolve(code: string, ttlMs: number) {
        this.calls++;
        return { code, ttlMs };
      }
    }
    @Module({ imports: [CacheModule.forRoot()], providers: [LinksService] })
    class AppModule {}
    const { app, logs } = await bootContext(AppModule);
    const links = app.get(LinksService);
    await links.resolve('short', 40);
    await links.resolve('long', 10_000);
    await links.resolve('short', 40);
    await links.resolve('long', 10_000);
    expect(links.calls).toBe(2);
    await sleep(80);
    await links.resolve('short', 40);
    await links.resolve('long', 10_000);
    expect(links.calls).toBe(3);
    await links.resolve('bad', -1);
    await links.resolve('bad', -1);
    expect(links.calls).toBe(5);
    expect(logs.warningsAbout('LinksService@resolve: the ttl function returned -1')).toHaveLength(
      1,
    );
    await app.close();
  });

  it('on a route it is a CacheConfigError at bootstrap', async () => {
    const { Controller, Get } = await import('@nestjs/common');
    @Controller('x')
    class XController {
      @Get()
      @Cached({ ttl: () => 1000 })
      x() {
        return 1;
      }
    }
    @Module({ imports: [CacheModule.forRoot()], controllers: [XController] })
    class AppModule {}
    await expect(bootContext(AppModule)).rejects.toThrow(/XController@x: ttl as a function/);
  });
});

describe('strict calls', () => {
  it.each(['down', 'hang'] as const)(
    'get, set and wrap reject with CacheStoreError when the store is %s',
    async (mode) => {
      const { cache, store } = await serviceWith();
      await cache.set('k', 1);
      store.mode = mode;
      await expect(cache.get('k', { strict: true })).rejects.toBeInstanceOf(CacheStoreError);
      await expect(cache.set('k', 2, { strict: true })).rejects.toBeInstanceOf(CacheStoreError);
      let runs = 0;
      const factory = async () => ++runs;
      await expect(cache.wrap('w', factory, { strict: true })).rejects.toBeInstanceOf(
        CacheStoreError,
      );
      expect(runs).toBe(0); // the read failed: the factory never ran
      const error = await cache.get('k', { strict: true }).catch((e: CacheStoreError) => e);
      expect((error as CacheStoreError).code).toBe(
        mode === 'hang' ? 'E_STORE_TIMEOUT' : 'E_STORE_FAILED',
      );
      expect((error as Error).message).toMatch(/CacheService@get: the store failed for 'k'/);
      // Not strict: the same calls fail open.
      expect(await cache.get('k')).toBeUndefined();
      await expect(cache.set('k', 2)).resolves.toBeUndefined();
      expect(await cache.wrap('w', factory)).toBe(1);
    },
  );

  it('wrap rejects when the read worked but the write failed (the value was not stored)', async () => {
    const { cache, store } = await serviceWith();
    const factory = async () => {
      store.mode = 'down'; // fails between the read and the write
      return 'computed';
    };
    await expect(cache.wrap('w', factory, { strict: true })).rejects.toBeInstanceOf(
      CacheStoreError,
    );
  });

  it('concurrent strict wraps of one key all reject when the shared value could not be stored', async () => {
    const { cache, store } = await serviceWith();
    store.setDown = true;
    let runs = 0;
    const factory = async () => {
      await sleep(20);
      return ++runs;
    };
    const results = await Promise.allSettled([
      cache.wrap('shared', factory, { strict: true }),
      cache.wrap('shared', factory, { strict: true }),
      cache.wrap('shared', factory), // not strict: gets the value
    ]);
    expect(runs).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    for (const r of results.slice(0, 2)) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(CacheStoreError);
    }
    store.setDown = false;
    const again = await Promise.all([
      cache.wrap('ok', factory, { strict: true }),
      cache.wrap('ok', factory, { strict: true }),
    ]);
    expect(again).toEqual([2, 2]);
  });

  it('resolve normally when the store works', async () => {
    const { cache } = await serviceWith();
    await cache.set('k', { a: 1 }, { strict: true });
    expect(await cache.get('k', { strict: true })).toEqual({ a: 1 });
    expect(await cache.get('absent', { strict: true })).toBeUndefined();
    expect(await cache.wrap('w', async () => 5, { strict: true })).toBe(5);
    expect(await cache.wrap('w', async () => 6, { strict: true })).toBe(5);
  });

  it("a failure in another call does not fail a strict one, and a strict wrap's factory calls are its own", async () => {
    const { cache, store } = await serviceWith();
    await cache.set('k', 1);
    const factory = async () => {
      // A non-strict read inside the factory fails open; the strict wrap itself is fine.
      store.mode = 'down';
      const inner = await cache.get('other');
      store.mode = 'up';
      return inner ?? 'fallback';
    };
    expect(await cache.wrap('w', factory, { strict: true })).toBe('fallback');
    const [strict, loose] = await Promise.all([cache.get('k', { strict: true }), cache.get('k')]);
    expect([strict, loose]).toEqual([1, 1]);
  });
});

describe('delete with keys that are not strings', () => {
  it('undefined and null resolve and do nothing, in arrays too', async () => {
    const { cache } = await serviceWith();
    await cache.set('k', 1);
    const link: { key: string } | undefined = undefined as { key: string } | undefined;
    await expect(cache.delete(link?.key)).resolves.toBeUndefined();
    await expect(cache.delete(null)).resolves.toBeUndefined();
    await expect(cache.delete([undefined, 'k', null])).resolves.toBeUndefined();
    expect(await cache.get('k')).toBeUndefined();
  });

  it.each([[42], [{ key: 'k' }], [['k', 7]], [true]])(
    '%p rejects with CacheConfigError',
    async (bad) => {
      const { cache } = await serviceWith();
      await cache.set('k', 1);
      const result = cache.delete(bad as never);
      await expect(result).rejects.toBeInstanceOf(CacheConfigError);
      await expect(result).rejects.toThrow(/CacheService@delete: key .* is not a string/);
      expect(await cache.get('k')).toBe(1);
    },
  );
});
