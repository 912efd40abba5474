/**
 * Hostile tests of the compat CACHE_MANAGER and of CacheService's additions (ttl from the
 * result, strict calls), written as code ported verbatim from cache-manager 7 would call them.
 */
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheModule, CacheService, CacheStoreError, MemoryStore } from 'nestjs-cached';
import { Cache, CACHE_MANAGER } from 'nestjs-cached/compat';

/** A memory store whose reads can be made to hang for a while, then fail. */
class SlowFailingStore extends MemoryStore {
  failReads = false;
  override get(key: string) {
    if (!this.failReads) return super.get(key);
    return new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('down')), 20),
    ) as never;
  }
  override getMany(keys: readonly string[]) {
    if (!this.failReads) return super.getMany(keys);
    return new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('down')), 20),
    ) as never;
  }
}

async function boot(store = new SlowFailingStore()) {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheModule.forRoot({ store, ttl: '1m', storeTimeout: 1_000 })],
  }).compile();
  await moduleRef.init();
  return {
    manager: moduleRef.get<Cache>(CACHE_MANAGER),
    cache: moduleRef.get(CacheService),
    store,
    close: () => moduleRef.close(),
  };
}

describe('CACHE_MANAGER with cache-manager 7 call shapes', () => {
  let ctx: Awaited<ReturnType<typeof boot>>;
  beforeAll(async () => (ctx = await boot()));
  afterAll(() => ctx.close());

  it('ttl(key) answers the expiry timestamp (ms since epoch), as cache-manager 7 does', async () => {
    const before = Date.now();
    await ctx.manager.set('t', 1, 5_000);
    const expires = await ctx.manager.ttl('t');
    expect(expires).toBeGreaterThanOrEqual(before + 5_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(await ctx.manager.ttl('absent')).toBeUndefined();
  });

  it('mset / mget keep order and per-entry ttls; absent keys read undefined', async () => {
    const list = [
      { key: 'm1', value: { a: 1 } },
      { key: 'm2', value: { a: 2 }, ttl: 20 },
    ];
    expect(await ctx.manager.mset(list)).toEqual(list);
    expect(await ctx.manager.mget(['m1', 'nope', 'm2'])).toEqual([{ a: 1 }, undefined, { a: 2 }]);
    await new Promise((r) => setTimeout(r, 40));
    expect(await ctx.manager.mget(['m1', 'm2'])).toEqual([{ a: 1 }, undefined]);
  });

  it('wrap(key, fn, { ttl, refreshThreshold }) caches and runs fn once', async () => {
    let runs = 0;
    const fn = async () => ({ n: ++runs });
    expect(await ctx.manager.wrap('w1', fn, { ttl: 10_000, refreshThreshold: 1_000 })).toEqual({
      n: 1,
    });
    expect(await ctx.manager.wrap('w1', fn, { ttl: 10_000, refreshThreshold: 1_000 })).toEqual({
      n: 1,
    });
    expect(runs).toBe(1);
  });

  it('wrap with a ttl function answering undefined falls back to the default ttl (cache-manager: `runIfFn(ttl, result) ?? options.ttl`)', async () => {
    let runs = 0;
    const fn = async () => ({ n: ++runs, maxAge: undefined as number | undefined });
    await ctx.manager.wrap('w-undef', fn, (v) => v.maxAge as number);
    await ctx.manager.wrap('w-undef', fn, (v) => v.maxAge as number);
    expect(runs).toBe(1);
  });

  it('wrap(key, fn, { raw: true }) answers { value, expires }, as cache-manager 7 does', async () => {
    const raw = (await ctx.manager.wrap('w-raw', async () => 'v', {
      ttl: 10_000,
      raw: true,
    } as never)) as unknown as { value: string; expires: number };
    expect(raw).toEqual({ value: 'v', expires: expect.any(Number) });
  });

  it('del / mdel / clear answer true; get after clear is undefined', async () => {
    await ctx.manager.set('c', 1);
    expect(await ctx.manager.del('c')).toBe(true);
    expect(await ctx.manager.mdel(['a', 'b'])).toBe(true);
    await ctx.manager.set('c', 1);
    expect(await ctx.manager.clear()).toBe(true);
    expect(await ctx.manager.get('c')).toBeUndefined();
  });
});

describe('CacheService ttl functions answering odd things', () => {
  let ctx: Awaited<ReturnType<typeof boot>>;
  let warn: jest.SpyInstance;
  beforeAll(async () => (ctx = await boot()));
  afterAll(() => ctx.close());
  beforeEach(() => (warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {})));
  afterEach(() => warn.mockRestore());

  it.each([
    ['a negative number', -5],
    ['NaN', NaN],
    ['a promise', Promise.resolve(1000)],
    ['null', null],
    ['an object', { ms: 5 }],
    ['a bare number in a string', '60'],
  ])('%s: not stored, one warning, never a throw', async (_name, answer) => {
    const key = `odd:${_name}`;
    await expect(ctx.cache.set(key, { v: 1 }, { ttl: () => answer as never })).resolves.toBe(
      undefined,
    );
    await ctx.cache.set(key, { v: 1 }, { ttl: () => answer as never });
    expect(await ctx.cache.get(key)).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('a throwing ttl function: not stored, wrap still answers the value', async () => {
    await ctx.cache.set('throws', 1, {
      ttl: () => {
        throw new Error('boom');
      },
    });
    expect(await ctx.cache.get('throws')).toBeUndefined();
    let runs = 0;
    const ttl = () => {
      throw new Error('boom');
    };
    expect(await ctx.cache.wrap('wthrows', async () => ++runs, { ttl })).toBe(1);
    expect(await ctx.cache.wrap('wthrows', async () => ++runs, { ttl })).toBe(2);
  });

  it("valid answers: '1h', Infinity, a positive number are stored", async () => {
    await ctx.cache.set('h', 1, { ttl: () => '1h' });
    await ctx.cache.set('inf', 1, { ttl: () => Infinity });
    await ctx.cache.set('n', 1, { ttl: () => 1000 });
    expect([
      await ctx.cache.get('h'),
      await ctx.cache.get('inf'),
      await ctx.cache.get('n'),
    ]).toEqual([1, 1, 1]);
  });
});

describe('strict and non-strict callers of one key at once, store failing', () => {
  let ctx: Awaited<ReturnType<typeof boot>>;
  beforeAll(async () => (ctx = await boot()));
  afterAll(() => ctx.close());
  afterEach(() => (ctx.store.failReads = false));

  it('the strict get rejects and the ordinary get resolves undefined, whichever starts first', async () => {
    ctx.store.failReads = true;
    for (const strictFirst of [false, true]) {
      const strict = () => ctx.cache.get('k', { strict: true });
      const loose = () => ctx.cache.get('k');
      const [a, b] = strictFirst ? [strict(), loose()] : [loose(), strict()];
      const [s, l] = strictFirst ? [a, b] : [b, a];
      await expect(s).rejects.toBeInstanceOf(CacheStoreError);
      await expect(l).resolves.toBeUndefined();
    }
  });

  it('a strict wrap that joins an ordinary wrap of a failing store rejects (its value was never stored)', async () => {
    ctx.store.failReads = true;
    const loose = ctx.cache.wrap('wj', async () => 'v');
    const strict = ctx.cache.wrap('wj', async () => 'v', { strict: true });
    await expect(loose).resolves.toBe('v');
    await expect(strict).rejects.toBeInstanceOf(CacheStoreError);
  });

  it('user code run by a strict wrap sees no strict context: its own cache calls fail open', async () => {
    ctx.store.failReads = true;
    const value = await ctx.cache
      .wrap(
        'outer',
        async () => {
          ctx.store.failReads = true;
          return (await ctx.cache.get('inner')) ?? 'fallback';
        },
        { strict: true },
      )
      .catch((e) => e);
    // the outer strict call rejects for its own failed lookup, before the factory runs
    expect(value).toBeInstanceOf(CacheStoreError);
    ctx.store.failReads = false;
    await ctx.cache.set('x', 1);
    const inner = await ctx.cache.wrap(
      'outer2',
      async () => {
        ctx.store.failReads = true;
        const got = await ctx.cache.get('inner2');
        ctx.store.failReads = false;
        return got ?? 'fallback';
      },
      { strict: true },
    );
    expect(inner).toBe('fallback');
  });
});

describe('CacheService.delete with odd inputs', () => {
  let ctx: Awaited<ReturnType<typeof boot>>;
  beforeAll(async () => (ctx = await boot()));
  afterAll(() => ctx.close());

  it('undefined, null, [] and [undefined] resolve; numbers, objects and [1] reject with CacheConfigError', async () => {
    for (const k of [undefined, null, [], [undefined, null]]) {
      await expect(ctx.cache.delete(k as never)).resolves.toBeUndefined();
    }
    for (const k of [1, {}, [1], ['a', 2]]) {
      await expect(ctx.cache.delete(k as never)).rejects.toMatchObject({
        name: 'CacheConfigError',
      });
    }
  });
});

describe('strict calls do not lend their context to user code', () => {
  /** Reads of `audit:*` keys fail; everything else works. */
  class AuditFailingStore extends SlowFailingStore {
    override get(key: string) {
      if (key.includes('audit')) throw new Error('audit shard down');
      return super.get(key);
    }
  }

  it("a strict set whose ttl function makes its own (failing) cache call resolves: that failure is not the set's", async () => {
    const ctx = await boot(new AuditFailingStore());
    try {
      await expect(
        ctx.cache.set(
          'link:1',
          { expiresInMs: 60_000 },
          {
            strict: true,
            ttl: (link) => {
              void ctx.cache.get('audit:last');
              return link.expiresInMs;
            },
          },
        ),
      ).resolves.toBeUndefined();
      expect(await ctx.cache.get('link:1', { strict: true })).toEqual({ expiresInMs: 60_000 });
    } finally {
      await ctx.close();
    }
  });
});

describe('strict and ordinary writes of one key at once, store hanging', () => {
  class HangingWrites extends MemoryStore {
    hang = false;
    override set(key: string, value: string, ttlMs: number) {
      if (this.hang) return new Promise<void>(() => undefined) as never;
      return super.set(key, value, ttlMs);
    }
  }

  async function bootHanging() {
    const store = new HangingWrites();
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ store, storeTimeout: 50 })],
    }).compile();
    store.hang = true;
    return { cache: moduleRef.get(CacheService), close: () => moduleRef.close() };
  }

  it('an ordinary set, then a strict one: the strict set rejects (timeout), the ordinary resolves', async () => {
    const { cache, close } = await bootHanging();
    const [loose, strict] = await Promise.allSettled([
      cache.set('k', 1),
      cache.set('k', 2, { strict: true }),
    ]);
    expect(loose.status).toBe('fulfilled');
    expect(strict.status).toBe('rejected');
    expect((strict as PromiseRejectedResult).reason).toBeInstanceOf(CacheStoreError);
    await close();
  });

  it('a strict set, then an ordinary one of the same key: the strict set does not report success for a value nothing stored', async () => {
    const { cache, close } = await bootHanging();
    const [strict, loose] = await Promise.allSettled([
      cache.set('k', 3, { strict: true }),
      cache.set('k', 4),
    ]);
    expect(loose.status).toBe('fulfilled');
    // Superseded by the ordinary write (whose own failure is swallowed), the strict set resolved
    // although neither value reached the store.
    expect(strict.status).toBe('rejected');
    await close();
  });
});
