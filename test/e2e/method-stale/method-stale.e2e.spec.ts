import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { deferred, Deferred, sleep, within } from '../helpers/deferred';
import { LogCapture } from '../helpers/log-capture';
import { watchUnhandledRejections } from '../helpers/unhandled-rejections';

/** Every source made, so a failed test can release what it held. */
const sources: Source[] = [];

/** A source whose answers a test controls: its version, a gate to hold it, a failure switch. */
class Source {
  calls = 0;
  version = 1;
  fail = false;
  gate?: Deferred;
  /** Resolves when a call has finished (stored or thrown). */
  settled = deferred();

  constructor() {
    sources.push(this);
  }

  async read(id: string): Promise<{ id: string; version: number }> {
    this.calls++;
    try {
      if (this.gate) await this.gate.promise;
      if (this.fail) throw new Error(`source down (${id})`);
      return { id, version: this.version };
    } finally {
      const settled = this.settled;
      this.settled = deferred();
      setImmediate(() => settled.resolve());
    }
  }
}

@Injectable()
class PricesService {
  readonly swrSource = new Source();
  readonly sieSource = new Source();
  readonly shortSource = new Source();
  readonly defaultSource = new Source();

  @Cached({ ttl: 100, staleWhileRevalidate: '10s' })
  async swr(id: string) {
    return this.swrSource.read(id);
  }

  @Cached({ ttl: 100, staleIfError: '10s' })
  async sie(id: string) {
    return this.sieSource.read(id);
  }

  @Cached({ ttl: 50, staleIfError: 100 })
  async sieShort(id: string) {
    return this.shortSource.read(id);
  }

  @Cached({ ttl: 100 })
  async moduleDefault(id: string) {
    return this.defaultSource.read(id);
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [PricesService] })
class PerDecoratorModule {}

@Module({
  imports: [CacheModule.forRoot({ staleWhileRevalidate: '10s' })],
  providers: [PricesService],
})
class DefaultSwrModule {}

@Module({ imports: [CacheModule.forRoot({ staleIfError: '10s' })], providers: [PricesService] })
class DefaultSieModule {}

const EXPIRED = 150;

describe('stale serving of provider methods and CacheService.wrap', () => {
  let app: INestApplicationContext;
  let logs: LogCapture;
  let prices: PricesService;
  let cache: CacheService;
  let rejections: ReturnType<typeof watchUnhandledRejections>;

  const boot = async (module: Parameters<typeof bootContext>[0]) => {
    ({ app, logs } = await bootContext(module));
    prices = app.get(PricesService);
    cache = app.get(CacheService);
  };

  beforeEach(() => (rejections = watchUnhandledRejections()));
  afterEach(async () => {
    for (const source of sources.splice(0)) source.gate?.resolve();
    await app?.close();
    await sleep(10);
    rejections.stop();
    expect(rejections.reasons).toEqual([]);
  });

  /**
   * Reads a stale entry with several concurrent callers while the refresh is held; they all get
   * the stale value at once, and one refresh runs. Returns what a read gets after the refresh.
   */
  async function serveStaleThenFresh(source: Source, read: () => Promise<unknown>) {
    expect(await read()).toEqual({ id: '1', version: 1 });
    await sleep(EXPIRED);
    source.version = 2;
    source.gate = deferred();
    const reads = Promise.all([read(), read(), read(), read(), read()]);
    const stale = await within(reads, 2000, 'stale reads while the refresh is held');
    expect(stale).toEqual(Array(5).fill({ id: '1', version: 1 }));
    expect(source.calls).toBe(2);
    const refreshed = source.settled.promise;
    source.gate.resolve();
    source.gate = undefined;
    await refreshed;
    const fresh = await read();
    expect(source.calls).toBe(2);
    return fresh;
  }

  it('staleWhileRevalidate on the decorator: stale at once, one refresh, then fresh', async () => {
    await boot(PerDecoratorModule);
    const before = cache.stats();
    const fresh = await serveStaleThenFresh(prices.swrSource, () => prices.swr('1'));
    expect(fresh).toEqual({ id: '1', version: 2 });
    expect(cache.stats().staleHits - before.staleHits).toBe(5);
  });

  it('staleWhileRevalidate on a CacheService.wrap call', async () => {
    await boot(PerDecoratorModule);
    const source = new Source();
    const read = () =>
      cache.wrap('price:1', () => source.read('1'), { ttl: 100, staleWhileRevalidate: '10s' });
    expect(await serveStaleThenFresh(source, read)).toEqual({ id: '1', version: 2 });
  });

  it('staleWhileRevalidate as the module default, for methods and wrap', async () => {
    await boot(DefaultSwrModule);
    const fresh = await serveStaleThenFresh(prices.defaultSource, () => prices.moduleDefault('1'));
    expect(fresh).toEqual({ id: '1', version: 2 });
    const source = new Source();
    const read = () => cache.wrap('price:2', () => source.read('1'), { ttl: 100 });
    expect(await serveStaleThenFresh(source, read)).toEqual({ id: '1', version: 2 });
  });

  it('keeps serving the stale value when the background refresh fails, and logs it', async () => {
    await boot(PerDecoratorModule);
    const source = prices.swrSource;
    await prices.swr('1');
    await sleep(EXPIRED);
    source.fail = true;
    const refreshed = source.settled.promise;
    expect(await prices.swr('1')).toEqual({ id: '1', version: 1 });
    await refreshed;
    expect(await prices.swr('1')).toEqual({ id: '1', version: 1 });
    await sleep(10);
    expect(logs.errorsAbout('source down')).not.toHaveLength(0);
  });

  it('never serves a stale value once its tag was invalidated', async () => {
    await boot(PerDecoratorModule);
    await prices.swr('1');
    await prices.sie('1');
    await sleep(EXPIRED);
    await cache.invalidateTags(['PricesService.swr', 'PricesService.sie']);
    prices.swrSource.version = 2;
    prices.sieSource.fail = true;
    expect(await prices.swr('1')).toEqual({ id: '1', version: 2 });
    await expect(prices.sie('1')).rejects.toThrow('source down');
  });

  it('staleIfError on the decorator: stale when the refresh throws inside the window', async () => {
    await boot(PerDecoratorModule);
    await prices.sie('1');
    await sleep(EXPIRED);
    prices.sieSource.fail = true;
    expect(await prices.sie('1')).toEqual({ id: '1', version: 1 });
    expect(logs.warningsAbout('source down')).toHaveLength(1);
    prices.sieSource.fail = false;
    prices.sieSource.version = 2;
    expect(await prices.sie('1')).toEqual({ id: '1', version: 2 });
  });

  it('staleIfError: outside the window the error reaches the caller', async () => {
    await boot(PerDecoratorModule);
    await prices.sieShort('1');
    await sleep(250);
    prices.shortSource.fail = true;
    await expect(prices.sieShort('1')).rejects.toThrow('source down (1)');
  });

  it('staleIfError on a CacheService.wrap call, and as the module default', async () => {
    await boot(DefaultSieModule);
    const source = new Source();
    const read = (options = {}) =>
      cache.wrap('rate', () => source.read('r'), { ttl: 100, ...options });
    await read({ staleIfError: '10s' });
    await prices.moduleDefault('1');
    await sleep(EXPIRED);
    source.fail = true;
    prices.defaultSource.fail = true;
    expect(await read({ staleIfError: '10s' })).toEqual({ id: 'r', version: 1 });
    expect(await read()).toEqual({ id: 'r', version: 1 });
    expect(await prices.moduleDefault('1')).toEqual({ id: '1', version: 1 });
  });

  it('without any stale window, an expired entry is a miss and an error propagates', async () => {
    await boot(PerDecoratorModule);
    const source = new Source();
    await cache.wrap('plain', () => source.read('p'), { ttl: 50 });
    await sleep(100);
    source.fail = true;
    await expect(cache.wrap('plain', () => source.read('p'), { ttl: 50 })).rejects.toThrow(
      'source down',
    );
  });
});
