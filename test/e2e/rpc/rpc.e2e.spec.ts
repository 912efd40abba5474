import { Controller, Get, Logger, Module } from '@nestjs/common';
import {
  ClientProxy,
  ClientProxyFactory,
  EventPattern,
  MessagePattern,
  Payload,
  Transport,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { AddressInfo, Server } from 'net';
import { firstValueFrom, lastValueFrom, Observable, of, ReplaySubject } from 'rxjs';
import { Cached, CacheEvict, CacheModule, CachePut, CacheService } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const calls = { sum: 0, price: 0, ticks: 0, profile: 0, pi: 0 };
const prices: Record<string, number> = { a: 1 };
let feed = new ReplaySubject<number>();

@Controller()
class MathController {
  @MessagePattern('sum')
  @Cached('1m')
  sum(@Payload() numbers: number[]) {
    calls.sum++;
    return { total: numbers.reduce((a, b) => a + b, 0), calls: calls.sum };
  }

  @MessagePattern({ cmd: 'price' })
  @Cached({ ttl: '1m', key: 'price:{data.sku}', tags: ['{pattern}'] })
  async price(@Payload() data: { sku: string; trace?: string }) {
    calls.price++;
    return prices[data.sku] ?? null;
  }

  @MessagePattern({ cmd: 'set-price' })
  @CacheEvict({ keys: ['price:{data.sku}'] })
  setPrice(@Payload() data: { sku: string; value: number }) {
    if (data.value < 0) throw new Error('negative price');
    prices[data.sku] = data.value;
    return true;
  }

  @MessagePattern({ cmd: 'load-price' })
  @CachePut({ ttl: '1m', key: 'price:{data.sku}' })
  loadPrice(@Payload() data: { sku: string }) {
    return prices[data.sku] ?? null;
  }

  @MessagePattern('live')
  @Cached('1m')
  live(): Observable<number> {
    return feed.asObservable();
  }

  @MessagePattern('ticks')
  @Cached('1m')
  ticks(): Observable<number> {
    calls.ticks++;
    return of(1, 2, 3);
  }

  @MessagePattern('profile')
  @Cached({ ttl: '1m', scope: 'user' })
  profile(@Payload() data: { user: { id: string } }) {
    calls.profile++;
    return `profile of ${data.user.id}`;
  }

  @Get('math/pi')
  @Cached('1m')
  pi() {
    calls.pi++;
    return { pi: 3.14, calls: calls.pi };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [MathController] })
class AppModule {}

describe.each(PLATFORMS)('@Cached on RPC handlers of a hybrid %s app', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let client: ClientProxy;
  let warn: jest.SpyInstance;
  const send = <T>(pattern: unknown, data: unknown) => lastValueFrom(client.send<T>(pattern, data));

  beforeAll(async () => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    ctx = await bootApp(platform, AppModule, (app) =>
      app.connectMicroservice({
        transport: Transport.TCP,
        options: { host: '127.0.0.1', port: 0 },
      }),
    );
    await ctx.app.startAllMicroservices();
    const server = (ctx.app.getMicroservices()[0] as { unwrap<T>(): T }).unwrap<Server>();
    const { port } = server.address() as AddressInfo;
    client = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port },
    });
    await client.connect();
  });
  afterAll(async () => {
    client.close();
    await ctx.app.close();
    warn.mockRestore();
  });
  beforeEach(() => {
    for (const name of Object.keys(calls)) calls[name as keyof typeof calls] = 0;
    delete prices.zz;
    warn.mockClear();
  });

  it('answers a repeated message from the cache, keyed by its data', async () => {
    const first = await send('sum', [1, 2]);
    const second = await send('sum', [1, 2]);
    const third = await send('sum', [1, 2, 3]);
    expect([first, second, third]).toEqual([
      { total: 3, calls: 1 },
      { total: 3, calls: 1 },
      { total: 6, calls: 2 },
    ]);
    await ctx.app.get(CacheService).invalidateTags('MathController.sum');
    expect(await send('sum', [1, 2])).toEqual({ total: 3, calls: 3 });
  });

  it('keys by {data.x}, tags by {pattern}, stores null, and is evicted by a message after success', async () => {
    await ctx.app.get(CacheService).delete('price:zz');
    expect(await send({ cmd: 'price' }, { sku: 'zz', trace: '1' })).toBeNull();
    expect(await send({ cmd: 'price' }, { sku: 'zz', trace: '2' })).toBeNull();
    expect(calls.price).toBe(1);
    await expect(send({ cmd: 'set-price' }, { sku: 'zz', value: -1 })).rejects.toBeDefined();
    expect(await send({ cmd: 'price' }, { sku: 'zz' })).toBeNull();
    expect(calls.price).toBe(1);
    await send({ cmd: 'set-price' }, { sku: 'zz', value: 9 });
    expect(await send({ cmd: 'price' }, { sku: 'zz' })).toBe(9);
    expect(calls.price).toBe(2);
    await ctx.app.get(CacheService).invalidateTags('{"cmd":"price"}');
    await send({ cmd: 'price' }, { sku: 'zz' });
    expect(calls.price).toBe(3);
  });

  it('@CachePut on a message pattern writes the entry a reader uses', async () => {
    await ctx.app.get(CacheService).delete('price:yy');
    prices.yy = 5;
    expect(await send({ cmd: 'load-price' }, { sku: 'yy' })).toBe(5);
    expect(await send({ cmd: 'price' }, { sku: 'yy' })).toBe(5);
    expect(calls.price).toBe(0);
    delete prices.yy;
  });

  it('does not store an Observable that emits more than once, with one warning', async () => {
    const first = await lastValueFrom(client.send('ticks', {}).pipe(toList()));
    const second = await lastValueFrom(client.send('ticks', {}).pipe(toList()));
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([1, 2, 3]);
    expect(calls.ticks).toBe(2);
    const warnings = warn.mock.calls
      .map(([m]) => String(m))
      .filter((m) => m.includes('MathController@ticks'));
    expect(warnings).toHaveLength(1);
  });

  it('forwards a stream as it comes instead of waiting for it to complete', async () => {
    feed = new ReplaySubject<number>();
    feed.next(1);
    expect(await firstValueFrom(client.send('live', {}))).toBe(1);
    feed.next(2);
    feed.complete();
  });

  it('never takes a payload field for the user: scope user without userKey bypasses', async () => {
    await send('profile', { user: { id: 'ann' } });
    await send('profile', { user: { id: 'ann' } });
    expect(calls.profile).toBe(2);
  });

  it('serves an RPC hit without touching the HTTP adapter', async () => {
    await send('sum', [4, 4]);
    const adapter = ctx.app.getHttpAdapter();
    const spies = (['reply', 'status', 'setHeader', 'getRequestMethod'] as const).map((name) =>
      jest.spyOn(adapter, name),
    );
    expect(await send('sum', [4, 4])).toEqual({ total: 8, calls: 1 });
    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });

  it('still caches the HTTP routes of the same controller', async () => {
    await ctx.http().get('/math/pi').expect(200);
    const hit = await ctx.http().get('/math/pi').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual({ pi: 3.14, calls: 1 });
  });
});

describe('@Cached on an @EventPattern handler', () => {
  it('is refused at bootstrap, naming Class@method', async () => {
    @Controller()
    class EventsController {
      @EventPattern('order.created')
      @Cached('1m')
      onOrder() {
        return true;
      }
    }
    @Module({ imports: [CacheModule.forRoot()], controllers: [EventsController] })
    class EventsApp {}
    const moduleRef = await Test.createTestingModule({ imports: [EventsApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(
      /EventsController@onOrder: @Cached on an @EventPattern/,
    );
    await app.close();
  });
});

describe('a key template an RPC message cannot fill', () => {
  it('is refused at bootstrap (it would render alike for every message)', async () => {
    @Controller()
    class TypoController {
      @MessagePattern('typo')
      @Cached({ ttl: '1m', key: 'stock:{params.sku}' })
      stock() {
        return 1;
      }
    }
    @Module({ imports: [CacheModule.forRoot()], controllers: [TypoController] })
    class TypoApp {}
    const moduleRef = await Test.createTestingModule({ imports: [TypoApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(/TypoController@stock: .*\{params…\}.*\{data\.x\}/);
    await app.close();
  });
});

function toList<T>() {
  return (source: Observable<T>) =>
    new Observable<T[]>((subscriber) => {
      const values: T[] = [];
      return source.subscribe({
        next: (value) => values.push(value),
        error: (error) => subscriber.error(error),
        complete: () => (subscriber.next(values), subscriber.complete()),
      });
    });
}
