import {
  Controller,
  Get,
  INestApplicationContext,
  Injectable,
  Module,
  Param,
} from '@nestjs/common';
import { Cached, CacheModule, CacheService, memoryStore, MemoryStore } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { LogCapture } from '../helpers/log-capture';
import { bootApp, PLATFORMS } from '../helpers/platforms';

/** Ways a store can hand back a damaged entry, given what was stored. */
const DAMAGE: Record<string, (stored: string) => string> = {
  'a truncated value': (stored) => stored.slice(0, -4),
  // An entry from a writer that did not record the payload's length: only decoding can tell.
  'a truncated value without a length in its header': (stored) =>
    stored.replace(/,\d+\]\n/, ']\n').slice(0, -4),
  'a malformed header (tags not a list)': (stored) =>
    '[1,0,null,null,null,0,0,0]' + stored.slice(stored.indexOf('\n')),
  'a header that is not JSON': (stored) => '[1,0,nul' + stored.slice(stored.indexOf('\n')),
  'a payload of the right length that is not JSON': (stored) => stored.replace('"name"', '"name]'),
  'a damaged tagged value': (stored) =>
    stored.slice(0, stored.indexOf('\n') + 1) + 't{"$nc":"BigInt","v":"not a number"}',
  'an unknown payload format': (stored) => stored.replace('\nj', '\nz'),
};

const damage = (name: string, stored: string) => DAMAGE[name](stored);

@Injectable()
class CatalogService {
  calls = 0;

  @Cached({ key: 'item:{0}' })
  async item(id: string): Promise<{ id: string; name: string; call: number }> {
    return { id, name: `item ${id}`, call: ++this.calls };
  }
}

function storeKey(key: string) {
  return `cache:e:${key}`;
}

describe('damaged entries returned by the store (provider methods, CacheService)', () => {
  let app: INestApplicationContext;
  let logs: LogCapture;
  let store: MemoryStore;
  let catalog: CatalogService;
  let cache: CacheService;

  beforeEach(async () => {
    store = memoryStore();
    @Module({ imports: [CacheModule.forRoot({ store })], providers: [CatalogService] })
    class AppModule {}
    ({ app, logs } = await bootContext(AppModule));
    catalog = app.get(CatalogService);
    cache = app.get(CacheService);
  });
  afterEach(() => app.close());

  it.each(Object.keys(DAMAGE))('%s is a miss, removed, counted and logged', async (name) => {
    await catalog.item('1');
    store.set(storeKey('item:1'), damage(name, store.get(storeKey('item:1'))!), 60_000);
    const errors = cache.stats().errors;
    expect(await cache.get('item:1')).toBeUndefined();
    expect(cache.stats().errors).toBe(errors + 1);
    expect(store.get(storeKey('item:1'))).toBeUndefined();
    expect(logs.errorsAbout("'cache:e:item:1' is damaged")).toHaveLength(1);

    await catalog.item('1');
    store.set(storeKey('item:1'), damage(name, store.get(storeKey('item:1'))!), 60_000);
    expect(await catalog.item('1')).toEqual({ id: '1', name: 'item 1', call: 3 });
    expect(await catalog.item('1')).toEqual({ id: '1', name: 'item 1', call: 3 });
  });

  it('logs a burst of damaged entries once', async () => {
    for (const id of ['1', '2', '3']) {
      await catalog.item(id);
      store.set(
        storeKey(`item:${id}`),
        damage('a truncated value', store.get(storeKey(`item:${id}`))!),
        60_000,
      );
    }
    for (const id of ['1', '2', '3']) await catalog.item(id);
    expect(logs.errorsAbout('is damaged')).toHaveLength(1);
    expect(cache.stats().errors).toBe(3);
  });

  it('has() says false for a damaged entry', async () => {
    await cache.set('k', { name: 'x' });
    store.set(
      storeKey('k'),
      damage('a payload of the right length that is not JSON', store.get(storeKey('k'))!),
      60_000,
    );
    expect(await cache.has('k')).toBe(false);
  });
});

@Controller('items')
class ItemsController {
  calls = 0;
  @Get(':id')
  @Cached()
  find(@Param('id') id: string) {
    return { id, name: `item ${id}`, call: ++this.calls };
  }
}

describe.each(PLATFORMS)('damaged entries behind HTTP, on %s', (platform) => {
  it.each(['a truncated value', 'a malformed header (tags not a list)'])(
    '%s is a MISS with a whole body',
    async (name) => {
      const store = memoryStore();
      @Module({ imports: [CacheModule.forRoot({ store })], controllers: [ItemsController] })
      class AppModule {}
      const { app, http } = await bootApp(platform, AppModule);
      try {
        await http().get('/items/1').expect(200);
        const [key] = [...(store as unknown as { lru: Map<string, string> }).lru.keys()].filter(
          (k) => k.includes(':e:'),
        );
        store.set(key, damage(name, store.get(key)!), 60_000);
        const res = await http().get('/items/1').expect(200);
        expect(res.headers['x-cache']).toBe('MISS');
        expect(res.body).toEqual({ id: '1', name: 'item 1', call: 2 });
      } finally {
        await app.close();
      }
    },
  );
});
