import { Controller, Get, Logger, Module, Param } from '@nestjs/common';
import Keyv from 'keyv';
import { Cached, CacheModule, CacheService, MemoryStore } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

@Controller('items')
class ItemsController {
  @Get(':id')
  @Cached()
  findOne(@Param('id') id: string) {
    return { id, calls: count(id) };
  }
}

/** A Keyv store adapter whose every call throws. */
const throwingAdapter = () => ({
  get: () => {
    throw new Error('store down');
  },
  set: () => {
    throw new Error('store down');
  },
  delete: () => {
    throw new Error('store down');
  },
  clear: () => {
    throw new Error('store down');
  },
});

/** A Keyv store adapter whose every call never settles. */
const hangingAdapter = () => ({
  get: () => new Promise(() => undefined),
  set: () => new Promise(() => undefined),
  delete: () => new Promise(() => undefined),
  clear: () => new Promise(() => undefined),
});

/** A ready CacheStore (the exported MemoryStore) whose every call throws synchronously. */
class BrokenMemoryStore extends MemoryStore {
  override get(): never {
    throw new Error('store down');
  }
  override getMany(): never {
    throw new Error('store down');
  }
  override set(): never {
    throw new Error('store down');
  }
  override delete(): never {
    throw new Error('store down');
  }
  override clear(): never {
    throw new Error('store down');
  }
}

const stores: [string, () => unknown][] = [
  ['a Keyv store adapter that throws', throwingAdapter],
  ['a Keyv instance whose store throws', () => new Keyv({ store: throwingAdapter() })],
  ['a store that throws synchronously', () => new BrokenMemoryStore()],
  ['a Keyv store adapter that never answers (storeTimeout: 50)', hangingAdapter],
];

function appWith(store: unknown) {
  @Module({
    imports: [CacheModule.forRoot({ store, storeTimeout: 50 })],
    controllers: [ItemsController],
  })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('fail-open on %s', (platform: Platform) => {
  describe.each(stores)('with %s', (_, createStore) => {
    let ctx: Awaited<ReturnType<typeof bootApp>>;
    let logged: jest.SpyInstance;
    beforeAll(async () => (ctx = await bootApp(platform, appWith(createStore()))));
    afterAll(() => ctx.app.close());
    beforeEach(() => {
      Object.keys(calls).forEach((k) => delete calls[k]);
      logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    });
    afterEach(() => jest.restoreAllMocks());

    it('never fails a request: it answers MISS, and counts the errors', async () => {
      const cache = ctx.app.get(CacheService);
      const before = cache.stats().errors;
      const first = await ctx.http().get('/items/1').expect(200);
      const second = await ctx.http().get('/items/1').expect(200);
      expect(first.headers['x-cache']).toBe('MISS');
      expect(second.headers['x-cache']).toBe('MISS');
      expect(second.body).toEqual({ id: '1', calls: 2 });
      expect(cache.stats().errors - before).toBeGreaterThanOrEqual(2);
    });

    it('logs a burst of failures at most once per second', async () => {
      let now = Date.now() + 10_000; // past any earlier log
      jest.spyOn(Date, 'now').mockImplementation(() => now);
      const cache = ctx.app.get(CacheService);
      const before = cache.stats().errors;
      for (let i = 0; i < 5; i++) await ctx.http().get(`/items/burst-${i}`).expect(200);
      expect(cache.stats().errors - before).toBeGreaterThanOrEqual(5);
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0][0])).toMatch(/failed|storeTimeout/);
      now += 999;
      await ctx.http().get('/items/burst-late').expect(200);
      expect(logged).toHaveBeenCalledTimes(1);
      now += 2;
      await ctx.http().get('/items/burst-later').expect(200);
      expect(logged).toHaveBeenCalledTimes(2);
    });

    it('CacheService: reads miss, set resolves, delete / invalidateTags / clear reject', async () => {
      const cache = ctx.app.get(CacheService);
      const before = cache.stats().errors;
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.has('k')).toBe(false);
      await expect(cache.set('k', { v: 1 })).resolves.toBeUndefined();
      await expect(cache.set('k', { v: 1 }, { tags: ['t'] })).resolves.toBeUndefined();
      expect(await cache.wrap('w', () => 'computed')).toBe('computed');
      await expect(cache.delete('k')).rejects.toThrow();
      await expect(cache.delete(['k', 'j'])).rejects.toThrow();
      await expect(cache.invalidateTags('t')).rejects.toThrow();
      await expect(cache.clear()).rejects.toThrow();
      expect(cache.stats().errors - before).toBeGreaterThanOrEqual(8);
    });
  });
});

describe.each(PLATFORMS)('a custom logger set with app.useLogger, on %s', (platform) => {
  it('receives the store failure, once for a burst', async () => {
    const errors: string[] = [];
    const logger = {
      log: () => undefined,
      warn: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
      error: (message: unknown) => void errors.push(String(message)),
    };
    const { app, http } = await bootApp(platform, appWith(throwingAdapter()), (a) =>
      a.useLogger(logger),
    );
    try {
      for (let i = 0; i < 3; i++) await http().get(`/items/${i}`).expect(200);
      const storeErrors = errors.filter((m) => m.includes('store down'));
      expect(storeErrors).toHaveLength(1);
      expect(storeErrors[0]).toMatch(/serving without the cache/);
    } finally {
      await app.close();
    }
  });
});
