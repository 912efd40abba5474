import { Controller, Injectable, Logger, Module } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import {
  ClientProxy,
  ClientProxyFactory,
  MessagePattern,
  Payload,
  Transport,
} from '@nestjs/microservices';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { AddressInfo, Server } from 'net';
import { Registry } from 'prom-client';
import { lastValueFrom, Observable, of, toArray } from 'rxjs';
import { io, Socket } from 'socket.io-client';
import { Cached, CacheEvent, CacheModule, CacheService } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const SECRET_SKU = 'sku-71be0c';
const calls = { sum: 0, ticks: 0, fail: 0, stock: 0, quote: 0 };

@Controller()
class StockController {
  @MessagePattern('obs.sum')
  @Cached('1m')
  sum(@Payload() numbers: number[]) {
    calls.sum++;
    return numbers.reduce((a, b) => a + b, 0);
  }

  @MessagePattern('obs.ticks')
  @Cached('1m')
  ticks(): Observable<number> {
    calls.ticks++;
    return of(1, 2);
  }

  @MessagePattern('obs.fail')
  @Cached('1m')
  fail(): number {
    calls.fail++;
    throw new Error('warehouse down');
  }

  // ttl from the result: 0 (out of stock) is not a duration, so that answer is not stored.
  @MessagePattern('obs.stock')
  @Cached({ ttl: (stock: { count: number }) => (stock.count > 0 ? '1m' : 0) })
  stock(@Payload() data: { sku: string; count: number }) {
    calls.stock++;
    return { count: data.count };
  }
}

@WebSocketGateway()
class QuoteGateway {
  @SubscribeMessage('obs-quote')
  @Cached({ ttl: (quote: { price: number }) => (quote.price > 0 ? '1m' : 0) })
  quote(@MessageBody() data: { symbol: string; price: number }) {
    calls.quote++;
    return { symbol: data.symbol, price: data.price };
  }
}

@Injectable()
class CacheEvents {
  readonly seen: CacheEvent[] = [];

  @OnEvent('cache.hit')
  hit(event: CacheEvent) {
    this.seen.push(event);
  }

  @OnEvent('cache.not_stored')
  notStored(event: CacheEvent) {
    this.seen.push(event);
  }
}

function appModule(registry: Registry) {
  @Module({
    imports: [
      EventEmitterModule.forRoot(),
      CacheModule.forRoot({ metrics: { prometheus: { registry } }, events: true }),
    ],
    controllers: [StockController],
    providers: [QuoteGateway, CacheEvents],
  })
  class ObsHybridApp {}
  return ObsHybridApp;
}

describe.each(PLATFORMS)(
  'per-source counters of RPC and WS handlers on %s',
  (platform: Platform) => {
    let ctx: Awaited<ReturnType<typeof bootApp>>;
    let client: ClientProxy;
    let socket: Socket;
    let authorized: Socket;
    let warn: jest.SpyInstance;
    const registry = new Registry();
    const send = <T>(pattern: string, data: unknown) =>
      lastValueFrom(client.send<T>(pattern, data));
    const sources = () => ctx.app.get(CacheService).stats({ bySource: true }).sources!;
    const connect = async (headers: Record<string, string>) => {
      const { port } = ctx.app.getHttpServer().address() as AddressInfo;
      const s = io(`http://127.0.0.1:${port}`, {
        transports: ['websocket'],
        extraHeaders: headers,
      });
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
      });
      return s;
    };

    beforeAll(async () => {
      for (const name of Object.keys(calls)) calls[name as keyof typeof calls] = 0;
      warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      ctx = await bootApp(platform, appModule(registry), (app) =>
        app.connectMicroservice({
          transport: Transport.TCP,
          options: { host: '127.0.0.1', port: 0 },
        }),
      );
      await ctx.app.startAllMicroservices();
      await ctx.app.listen(0, '127.0.0.1');
      const server = (ctx.app.getMicroservices()[0] as { unwrap<T>(): T }).unwrap<Server>();
      const { port } = server.address() as AddressInfo;
      client = ClientProxyFactory.create({
        transport: Transport.TCP,
        options: { host: '127.0.0.1', port },
      });
      await client.connect();
      socket = await connect({});
      authorized = await connect({ authorization: 'Bearer secret-token' });
    });
    afterAll(async () => {
      socket.disconnect();
      authorized.disconnect();
      client.close();
      await ctx.app.close();
      warn.mockRestore();
    });

    it('lists every cached handler from bootstrap, named Class.handler, before any traffic', async () => {
      expect(sources()).toMatchObject({
        'StockController.sum': { kind: 'rpc', hits: 0, misses: 0 },
        'StockController.ticks': { kind: 'rpc', hits: 0, misses: 0 },
        'QuoteGateway.quote': { kind: 'ws', hits: 0, misses: 0 },
      });
      const text = await registry.metrics();
      expect(text).toContain(
        'nestjs_cached_lookups_total{namespace="cache",source="QuoteGateway.quote",kind="ws",result="hit"} 0',
      );
    });

    it('counts RPC hits, misses, writes, streams and errors per handler', async () => {
      expect(await send('obs.sum', [1, 2])).toBe(3);
      expect(await send('obs.sum', [1, 2])).toBe(3);
      expect(await lastValueFrom(client.send('obs.ticks', {}).pipe(toArray()))).toEqual([1, 2]);
      await expect(send('obs.fail', {})).rejects.toBeDefined();
      expect(calls).toMatchObject({ sum: 1, ticks: 1, fail: 1 });
      const all = sources();
      expect(all['StockController.sum']).toMatchObject({ hits: 1, misses: 1, sets: 1 });
      expect(all['StockController.ticks']).toMatchObject({ misses: 1, sets: 0 });
      expect(all['StockController.ticks'].notStored.stream).toBe(1);
      expect(all['StockController.fail'].notStored.error).toBe(1);
    });

    it('takes an RPC ttl from the result; an invalid one is not stored (unless)', async () => {
      await send('obs.stock', { sku: SECRET_SKU, count: 3 });
      await send('obs.stock', { sku: SECRET_SKU, count: 3 });
      await send('obs.stock', { sku: SECRET_SKU, count: 0 });
      expect(await send('obs.stock', { sku: SECRET_SKU, count: 0 })).toEqual({ count: 0 });
      expect(calls.stock).toBe(3);
      expect(sources()['StockController.stock']).toMatchObject({ hits: 1, sets: 1 });
      expect(sources()['StockController.stock'].notStored.unless).toBe(2);
    });

    it('counts WS hits, bypasses and ttl refusals per handler', async () => {
      await socket.emitWithAck('obs-quote', { symbol: SECRET_SKU, price: 5 });
      expect(await socket.emitWithAck('obs-quote', { symbol: SECRET_SKU, price: 5 })).toEqual({
        symbol: SECRET_SKU,
        price: 5,
      });
      await authorized.emitWithAck('obs-quote', { symbol: SECRET_SKU, price: 5 });
      await socket.emitWithAck('obs-quote', { symbol: SECRET_SKU, price: 0 });
      expect(calls.quote).toBe(3);
      const quote = sources()['QuoteGateway.quote'];
      expect(quote).toMatchObject({ hits: 1, misses: 2, bypasses: 1, sets: 1 });
      expect(quote.notStored.unless).toBe(1);
    });

    it('emits events naming the handler and its kind, without the value', async () => {
      const seen = ctx.app.get(CacheEvents).seen;
      expect(seen).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            source: 'StockController.ticks',
            kind: 'rpc',
            reason: 'stream',
          }),
          expect.objectContaining({ source: 'StockController.fail', kind: 'rpc', reason: 'error' }),
          expect.objectContaining({
            source: 'QuoteGateway.quote',
            kind: 'ws',
            ageMs: expect.any(Number),
          }),
        ]),
      );
      expect(JSON.stringify(seen)).not.toContain('"price"');
    });

    it('exposes the figures to Prometheus with kind="rpc" / "ws" and no key or user in labels', async () => {
      const text = await registry.metrics();
      expect(text).toContain(
        'nestjs_cached_lookups_total{namespace="cache",source="StockController.sum",kind="rpc",result="hit"} 1',
      );
      expect(text).toContain(
        'nestjs_cached_lookups_total{namespace="cache",source="QuoteGateway.quote",kind="ws",result="bypass"} 1',
      );
      expect(text).toContain(
        'nestjs_cached_not_stored_total{namespace="cache",source="StockController.ticks",reason="stream"} 1',
      );
      for (const secret of [SECRET_SKU, 'secret-token', 'rpc:', 'ws:'])
        expect(text).not.toContain(secret);
    });
  },
);

@Controller()
class OrdersController {
  constructor(readonly cache: CacheService) {}

  @MessagePattern('obs.orders')
  @Cached('1m')
  orders(@Payload() data: { page: number }) {
    return [data.page];
  }
}

@Controller()
class InvoicesController {
  constructor(readonly cache: CacheService) {}

  @MessagePattern('obs.invoices')
  @Cached('1m')
  invoices(@Payload() data: { page: number }) {
    return [data.page];
  }
}

@Module({
  imports: [CacheModule.forRoot({ namespace: 'orders' })],
  controllers: [OrdersController],
})
class OrdersModule {}

@Module({
  imports: [CacheModule.forRoot({ namespace: 'invoices' })],
  controllers: [InvoicesController],
})
class InvoicesModule {}

@Module({ imports: [OrdersModule, InvoicesModule] })
class FeatureModulesApp {}

describe.each(PLATFORMS)(
  'per-source counters with a CacheModule per feature module on %s',
  (platform: Platform) => {
    it('lists each handler under the cache of the module that imports it only', async () => {
      const { app } = await bootApp(platform, FeatureModulesApp);
      try {
        // Each controller gets the CacheService of the CacheModule its module imports.
        const of = (controller: typeof OrdersController | typeof InvoicesController) =>
          Object.keys(app.get(controller).cache.stats({ bySource: true }).sources!);
        expect(of(OrdersController)).toContain('OrdersController.orders');
        expect(of(OrdersController)).not.toContain('InvoicesController.invoices');
        expect(of(InvoicesController)).toContain('InvoicesController.invoices');
        expect(of(InvoicesController)).not.toContain('OrdersController.orders');
      } finally {
        await app.close();
      }
    });
  },
);
