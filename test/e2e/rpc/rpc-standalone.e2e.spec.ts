import { Controller, ExecutionContext, INestMicroservice, Module } from '@nestjs/common';
import {
  ClientProxy,
  ClientProxyFactory,
  MessagePattern,
  Payload,
  TcpContext,
  Transport,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { AddressInfo, Server } from 'net';
import { lastValueFrom } from 'rxjs';
import {
  Cached,
  CacheModule,
  CacheService,
  CacheStore,
  defaultUserKey,
  memoryStore,
} from 'nestjs-cached';

const calls = { stock: 0, slow: 0, mine: 0 };
const memory = memoryStore();
let storeDown = false;
const down = () => Promise.reject(new Error('down'));
/** The memory store, failing every read and write while `storeDown`. */
const store: CacheStore = Object.assign(Object.create(memory) as CacheStore, {
  get: (key: string) => (storeDown ? down() : memory.get(key)),
  getMany: (keys: readonly string[]) => (storeDown ? down() : memory.getMany(keys)),
  set: (key: string, value: string, ttl: number) =>
    storeDown ? down() : memory.set(key, value, ttl),
});

@Controller()
class StockController {
  @MessagePattern('stock')
  @Cached('1m')
  stock(@Payload() data: { sku: string }) {
    calls.stock++;
    return { sku: data.sku, units: calls.stock };
  }

  @MessagePattern('slow')
  @Cached({ ttl: 50, staleWhileRevalidate: '1m' })
  async slow() {
    calls.slow++;
    return calls.slow;
  }

  @MessagePattern('mine')
  @Cached({ ttl: '1m', scope: 'user' })
  mine(@Payload() data: { tenant: string }) {
    calls.mine++;
    return `for ${data.tenant}`;
  }
}

/** A userKey an app could write: trusts the transport's pattern-level tenant, not the payload. */
function userKey(ctx: ExecutionContext) {
  if (ctx.getType() === 'rpc') {
    const pattern = ctx.switchToRpc().getContext<TcpContext>().getPattern();
    return pattern === 'mine' ? 'service-a' : undefined;
  }
  return defaultUserKey(ctx);
}

@Module({
  imports: [CacheModule.forRoot({ store, userKey, storeTimeout: 200 })],
  controllers: [StockController],
})
class StockApp {}

describe('@Cached on a microservice without any HTTP adapter', () => {
  let app: INestMicroservice;
  let client: ClientProxy;
  const send = <T>(pattern: string, data: unknown) => lastValueFrom(client.send<T>(pattern, data));

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StockApp] }).compile();
    app = moduleRef.createNestMicroservice({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: 0 },
      logger: false,
    });
    await app.listen();
    const { port } = (app.unwrap<Server>().address() as AddressInfo)!;
    client = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port },
    });
    await client.connect();
  });
  afterAll(async () => {
    client.close();
    await app.close();
  });

  it('caches, and answers normally while the store fails', async () => {
    expect(await send('stock', { sku: 'a' })).toEqual({ sku: 'a', units: 1 });
    expect(await send('stock', { sku: 'a' })).toEqual({ sku: 'a', units: 1 });
    storeDown = true;
    try {
      expect(await send('stock', { sku: 'a' })).toEqual({ sku: 'a', units: 2 });
      expect(await send('stock', { sku: 'b' })).toEqual({ sku: 'b', units: 3 });
    } finally {
      storeDown = false;
    }
    expect(app.get(CacheService).stats().errors).toBeGreaterThan(0);
  });

  it('serves a stale answer while one refresh runs (staleWhileRevalidate)', async () => {
    expect(await send('slow', {})).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await send('slow', {})).toBe(1);
    // The refresh runs in the background: wait for it (generously), then its value is served.
    for (let i = 0; i < 500 && calls.slow < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(calls.slow).toBe(2);
    for (let i = 0; i < 500 && (await send('slow', {})) !== 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await send('slow', {})).toBe(2);
    expect(calls.slow).toBe(2);
  });

  it('keys scope: user entries by what userKey returns for an RPC context', async () => {
    expect(await send('mine', { tenant: 'x' })).toBe('for x');
    expect(await send('mine', { tenant: 'x' })).toBe('for x');
    expect(calls.mine).toBe(1);
  });
});
