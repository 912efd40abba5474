import {
  Controller,
  Get,
  INestApplicationContext,
  Injectable,
  Module,
  Param,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cached, CacheConfigError, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { deferred, within } from '../helpers/deferred';
import { bootApp, PLATFORMS } from '../helpers/platforms';

const never = new Promise<never>(() => undefined);

@Injectable()
class PricesService {
  calls = 0;
  /** Set: the next call hangs forever (a first execution that never settles). */
  hangNext = false;

  @Cached({ key: 'price:{0}', flightTimeout: '300ms' })
  async price(id: string): Promise<string> {
    const call = ++this.calls;
    if (this.hangNext) {
      this.hangNext = false;
      await never;
    }
    return `price ${id} #${call}`;
  }

  @Cached({ key: 'quote:{0}', unless: (value: string) => value.startsWith('secret') })
  async quote(id: string, gate: Promise<void>, who: string): Promise<string> {
    this.calls++;
    await gate;
    return `secret ${id} for ${who}`;
  }

  @Cached({ key: 'slow:{0}' })
  async slow(id: string): Promise<string> {
    const call = ++this.calls;
    if (this.hangNext) {
      this.hangNext = false;
      await never;
    }
    return `slow ${id} #${call}`;
  }
}

@Module({
  imports: [CacheModule.forRoot({ flightTimeout: '150ms' })],
  providers: [PricesService],
})
class AppModule {}

describe('single-flight with a deadline (flightTimeout)', () => {
  let app: INestApplicationContext;
  let prices: PricesService;
  let cache: CacheService;

  beforeEach(async () => {
    ({ app } = await bootContext(AppModule));
    prices = app.get(PricesService);
    cache = app.get(CacheService);
  });
  afterEach(() => app.close());

  it('a caller waits at most flightTimeout for a computation that never settles, then runs its own', async () => {
    prices.hangNext = true;
    void prices.price('1');
    await new Promise((resolve) => setImmediate(resolve));
    const waiter = prices.price('1');
    expect(await within(waiter, 2_000, 'the waiter')).toBe('price 1 #2');
    expect(await prices.price('1')).toBe('price 1 #2');
    expect(prices.calls).toBe(2);
  });

  it('a computation older than flightTimeout takes no new joiners', async () => {
    prices.hangNext = true;
    void prices.price('2');
    await new Promise((resolve) => setTimeout(resolve, 320));
    const late = Date.now();
    expect(await within(prices.price('2'), 2_000, 'the late caller')).toBe('price 2 #2');
    // Joining would have meant waiting out a whole flightTimeout (300 ms) first.
    expect(Date.now() - late).toBeLessThan(250);
  });

  it('uses the module flightTimeout where the decorator sets none', async () => {
    prices.hangNext = true;
    void prices.slow('1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await within(prices.slow('1'), 2_000, 'the waiter')).toBe('slow 1 #2');
  });

  it('CacheService.wrap: a waiter runs its own factory after flightTimeout', async () => {
    void cache.wrap('w', () => never, { flightTimeout: '50ms' });
    await new Promise((resolve) => setImmediate(resolve));
    const value = cache.wrap('w', async () => 'own', { flightTimeout: '50ms' });
    expect(await within(value, 2_000, 'the wrap waiter')).toBe('own');
  });

  it('never shares a result that is not stored (unless): joiners run their own', async () => {
    const gate = deferred();
    const first = prices.quote('1', gate.promise, 'alice');
    const second = prices.quote('1', gate.promise, 'bob');
    gate.resolve();
    expect(await first).toBe('secret 1 for alice');
    expect(await second).toBe('secret 1 for bob');
    expect(prices.calls).toBe(2);
  });

  it('CacheService.wrap: an unstorable result is not shared either', async () => {
    const gate = deferred();
    const fn = (who: string) => async () => (await gate.promise, { who, fn: () => who });
    const a = cache.wrap('u', fn('a'));
    const b = cache.wrap('u', fn('b'));
    gate.resolve();
    expect((await a).who).toBe('a');
    expect((await b).who).toBe('b');
  });
});

describe('flightTimeout validation', () => {
  it.each(['2s', 500, Infinity])('accepts a module flightTimeout of %p', async (good) => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ flightTimeout: good as never })],
    }).compile();
    expect(moduleRef.get(CacheService)).toBeDefined();
  });

  it.each([0, -1, 'soon', NaN])(
    'rejects a module flightTimeout of %p at bootstrap',
    async (bad) => {
      const boot = Test.createTestingModule({
        imports: [CacheModule.forRoot({ flightTimeout: bad as never })],
      }).compile();
      await expect(boot).rejects.toBeInstanceOf(CacheConfigError);
    },
  );

  it('rejects a decorator flightTimeout at decoration', () => {
    const decorate = () => {
      class Service {
        @Cached({ flightTimeout: '0s' as never })
        async find(): Promise<number> {
          return 1;
        }
      }
      return Service;
    };
    expect(decorate).toThrow(CacheConfigError);
  });

  it('rejects a wrap flightTimeout with CacheConfigError', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot()],
    }).compile();
    const cache = moduleRef.get(CacheService);
    await expect(cache.wrap('k', () => 1, { flightTimeout: -5 as never })).rejects.toBeInstanceOf(
      CacheConfigError,
    );
  });
});

describe.each(PLATFORMS)('the module flightTimeout behind HTTP, on %s', (platform) => {
  it('a request waits at most flightTimeout for a held one of the same key, then runs its own', async () => {
    const hold = deferred();
    const started = deferred();
    let calls = 0;
    @Controller('slow')
    class SlowController {
      @Get(':id')
      @Cached()
      async find(@Param('id') id: string) {
        const call = ++calls;
        if (call === 1) {
          started.resolve();
          await hold.promise;
        }
        return { id, call };
      }
    }
    @Module({
      imports: [CacheModule.forRoot({ flightTimeout: '100ms' })],
      controllers: [SlowController],
    })
    class HttpApp {}
    const { app, http } = await bootApp(platform, HttpApp);
    try {
      const first = http()
        .get('/slow/1')
        .then((res) => res);
      await started.promise;
      const second = await within(Promise.resolve(http().get('/slow/1')), 3_000, 'second');
      expect(second.body).toEqual({ id: '1', call: 2 });
      hold.resolve();
      expect((await first).body).toEqual({ id: '1', call: 1 });
    } finally {
      await app.close();
    }
  });
});
