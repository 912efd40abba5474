import { Controller, Get, Module, Param } from '@nestjs/common';
import Keyv from 'keyv';
import { Cached, CacheModule, CacheService, memoryStore } from 'nestjs-cached';
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

function appWith(store: unknown) {
  @Module({ imports: [CacheModule.forRoot({ store })], controllers: [ItemsController] })
  class AppModule {}
  return AppModule;
}

const stores: [string, () => unknown][] = [
  ['memoryStore()', () => memoryStore()],
  ['a Keyv instance', () => new Keyv()],
  ['a Map (a Keyv store adapter)', () => new Map()],
  ['a Keyv instance over a Map', () => new Keyv({ store: new Map() })],
  ['a Keyv instance namespaced like the cache', () => new Keyv({ namespace: 'cache' })],
];

describe.each(PLATFORMS)('stores given as `store`, on %s', (platform: Platform) => {
  describe.each(stores)('%s', (_, createStore) => {
    let ctx: Awaited<ReturnType<typeof bootApp>>;
    beforeAll(async () => (ctx = await bootApp(platform, appWith(createStore()))));
    afterAll(() => ctx.app.close());
    beforeEach(() => Object.keys(calls).forEach((k) => delete calls[k]));
    const label = async (url: string) => (await ctx.http().get(url).expect(200)).headers['x-cache'];

    it('caches', async () => {
      expect(await label('/items/1')).toBe('MISS');
      const hit = await ctx.http().get('/items/1').expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.body).toEqual({ id: '1', calls: 1 });
    });

    it('drops entries by their implicit tag and on clear()', async () => {
      const cache = ctx.app.get(CacheService);
      expect(await label('/items/2')).toBe('MISS');
      expect(await label('/items/2')).toBe('HIT');
      await cache.invalidateTags('ItemsController.findOne');
      expect(await label('/items/2')).toBe('MISS');
      expect(await label('/items/2')).toBe('HIT');
      await cache.clear();
      expect(await label('/items/2')).toBe('MISS');
      expect(calls['2']).toBe(3);
      expect(cache.stats().errors).toBe(0);
    });
  });
});

describe.each(PLATFORMS)('a bounded memoryStore behind HTTP, on %s', (platform: Platform) => {
  it('keeps the most recent entries when bounded by count', async () => {
    // A tag takes no room until it is invalidated: 4 entries fit in 4, a fifth pushes out the first.
    const { app, http } = await bootApp(platform, appWith(memoryStore({ maxEntries: 4 })));
    try {
      for (const id of ['a', 'b', 'c', 'd', 'e']) await http().get(`/items/${id}`).expect(200);
      expect((await http().get('/items/e')).headers['x-cache']).toBe('HIT');
      expect((await http().get('/items/b')).headers['x-cache']).toBe('HIT');
      expect((await http().get('/items/a')).headers['x-cache']).toBe('MISS');
    } finally {
      await app.close();
    }
  });
});
