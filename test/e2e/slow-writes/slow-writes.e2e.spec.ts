import {
  Controller,
  Get,
  INestApplicationContext,
  Injectable,
  Module,
  Param,
  Post,
} from '@nestjs/common';
import Keyv from 'keyv';
import { Cached, CacheEvict, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { deferred, sleep } from '../helpers/deferred';
import { bootApp, PLATFORMS } from '../helpers/platforms';

/**
 * A Keyv store adapter whose writes of entries are slow and whose deletes are fast, as with a
 * pooled SQL adapter or a multi-tier store: a delete issued after a write can finish before it.
 */
class SlowWriteAdapter extends Map<string, unknown> {
  delayMs = 80;
  started = deferred();
  override set(key: string, value: unknown): this {
    if (!key.includes(':e:')) return super.set(key, value);
    this.started.resolve();
    setTimeout(() => super.set(key, value), this.delayMs);
    return this;
  }
}

// Keyv awaits `set`: make the adapter's write resolve only when it has landed.
function slowKeyv(adapter: SlowWriteAdapter): Keyv {
  const keyv = new Keyv({ store: adapter });
  const store = keyv.store as { set: (k: string, v: unknown) => unknown };
  const write = store.set.bind(store);
  store.set = (key: string, value: unknown) => {
    write(key, value);
    return key.includes(':e:') ? sleep(adapter.delayMs + 5) : undefined;
  };
  return keyv;
}

@Injectable()
class ReportsService {
  calls = 0;

  @Cached({ key: 'report:{0}' })
  async report(id: string): Promise<{ id: string; call: number }> {
    return { id, call: ++this.calls };
  }

  @CacheEvict({ keys: ['report:{0}'] })
  async publish(_id: string): Promise<void> {}
}

function appModule(adapter: SlowWriteAdapter, storeTimeout: number) {
  @Module({
    imports: [CacheModule.forRoot({ store: slowKeyv(adapter), storeTimeout })],
    providers: [ReportsService],
  })
  class AppModule {}
  return AppModule;
}

describe.each([
  ['settles within storeTimeout', 80, 250],
  ['outlasts storeTimeout', 200, 60],
])('a delete overtaken by a slow write that %s', (_, delayMs, storeTimeout) => {
  let app: INestApplicationContext;
  let adapter: SlowWriteAdapter;
  let reports: ReportsService;
  let cache: CacheService;

  beforeEach(async () => {
    adapter = new SlowWriteAdapter();
    adapter.delayMs = delayMs;
    ({ app } = await bootContext(appModule(adapter, storeTimeout)));
    reports = app.get(ReportsService);
    cache = app.get(CacheService);
  });
  afterEach(() => app.close());

  const entries = () => [...adapter.keys()].filter((key) => key.includes(':e:'));

  it.each([
    ['CacheService.delete', () => cache.delete('report:1')],
    ['@CacheEvict({ keys })', () => reports.publish('1')],
  ])('is not lost: after %s resolves, the deleted value never comes back', async (_, remove) => {
    const pending = reports.report('1');
    await adapter.started.promise;
    await remove();
    expect(await pending).toEqual({ id: '1', call: 1 });
    await sleep(delayMs + 40);
    expect(entries()).toEqual([]);
    expect(await cache.get('report:1')).toBeUndefined();
    expect(await reports.report('1')).toEqual({ id: '1', call: 2 });
  });

  it('CacheService.set then delete: the delete wins', async () => {
    const writing = cache.set('k', 'old');
    await adapter.started.promise;
    await cache.delete('k');
    await writing;
    await sleep(delayMs + 40);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('clear() overtaken by a slow write: the value does not come back', async () => {
    const pending = reports.report('2');
    await adapter.started.promise;
    await cache.clear();
    await pending;
    await sleep(delayMs + 40);
    expect(entries()).toEqual([]);
  });
});

describe('a newer value written while an older one is still being written', () => {
  /** Writes of entries are slow once (the first), fast afterwards. */
  class FirstWriteSlow extends Map<string, unknown> {
    slow = true;
    started = deferred();
    landed = deferred();
  }

  it('@CachePut / set overtaking a slow write: readers get the newer value or a miss, never the older', async () => {
    const adapter = new FirstWriteSlow();
    const keyv = new Keyv({ store: adapter });
    const store = keyv.store as { set: (k: string, v: unknown) => unknown };
    const write = store.set.bind(store);
    store.set = (key: string, value: unknown) => {
      if (!key.includes(':e:') || !adapter.slow) return write(key, value);
      adapter.slow = false;
      adapter.started.resolve();
      return sleep(100).then(() => (write(key, value), adapter.landed.resolve()));
    };
    @Module({ imports: [CacheModule.forRoot({ store: keyv })], providers: [ReportsService] })
    class AppModule {}
    const { app } = await bootContext(AppModule);
    const cache = app.get(CacheService);
    const older = cache.set('k', 'older');
    await adapter.started.promise;
    await cache.set('k', 'newer');
    await older;
    await adapter.landed.promise;
    await sleep(20);
    expect(await cache.get('k')).not.toBe('older');
    await app.close();
  });
});

describe.each(PLATFORMS)('behind HTTP, on %s: a delete overtaken by a slow write', (platform) => {
  @Controller('reports')
  class ReportsController {
    calls = 0;
    @Get(':id')
    @Cached({ key: 'report:{params.id}' })
    find(@Param('id') id: string) {
      return { id, call: ++this.calls };
    }

    @Post(':id/publish')
    @CacheEvict({ keys: ['report:{params.id}'] })
    publish() {
      return { ok: true };
    }
  }

  it('is not lost: the deleted response is not served after the eviction', async () => {
    const adapter = new SlowWriteAdapter();
    @Module({
      imports: [CacheModule.forRoot({ store: slowKeyv(adapter) })],
      controllers: [ReportsController],
    })
    class HttpApp {}
    const { app, http } = await bootApp(platform, HttpApp);
    try {
      await http().get('/reports/1').expect(200);
      await adapter.started.promise;
      await http().post('/reports/1/publish').expect(201);
      await sleep(adapter.delayMs + 40);
      const res = await http().get('/reports/1').expect(200);
      expect(res.headers['x-cache']).toBe('MISS');
      expect(res.body).toEqual({ id: '1', call: 2 });
    } finally {
      await app.close();
    }
  });
});

describe.each(PLATFORMS)(
  'behind HTTP, on %s: a request between a response and its slow write',
  (platform) => {
    @Controller('pages')
    class PagesController {
      calls = 0;
      @Get(':id')
      @Cached({ key: 'page:{params.id}' })
      find(@Param('id') id: string) {
        return { id, call: ++this.calls };
      }
    }

    // The miss's response goes out before its store write lands (an asynchronous store): a request
    // arriving in between shares that response instead of running the handler again (a stampede on
    // Redis used to run it a few times).
    it('shares the response being written: the handler runs once', async () => {
      const adapter = new SlowWriteAdapter();
      adapter.delayMs = 300;
      @Module({
        imports: [CacheModule.forRoot({ store: slowKeyv(adapter), storeTimeout: 2_000 })],
        controllers: [PagesController],
      })
      class HttpApp {}
      const { app, http } = await bootApp(platform, HttpApp);
      try {
        await http().get('/pages/1').expect(200);
        await adapter.started.promise;
        const during = await http().get('/pages/1').expect(200);
        expect(during.body).toEqual({ id: '1', call: 1 });
        await sleep(adapter.delayMs + 50);
        const after = await http().get('/pages/1').expect(200).expect('X-Cache', 'HIT');
        expect(after.body).toEqual({ id: '1', call: 1 });
        expect(app.get(PagesController).calls).toBe(1);
      } finally {
        await app.close();
      }
    });
  },
);
