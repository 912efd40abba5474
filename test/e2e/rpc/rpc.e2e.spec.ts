import { Controller, Get, Logger, Module } from '@nestjs/common';
import {
  ClientProxy,
  ClientProxyFactory,
  MessagePattern,
  Payload,
  Transport,
} from '@nestjs/microservices';
import { AddressInfo, Server } from 'net';
import { lastValueFrom } from 'rxjs';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let rpcCalls = 0;
let httpCalls = 0;

@Controller()
class MathController {
  @MessagePattern('sum')
  @Cached('1m')
  sum(@Payload() numbers: number[]) {
    rpcCalls++;
    return { total: numbers.reduce((a, b) => a + b, 0), calls: rpcCalls };
  }

  @Get('math/pi')
  @Cached('1m')
  pi() {
    httpCalls++;
    return { pi: 3.14, calls: httpCalls };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [MathController] })
class AppModule {}

describe.each(PLATFORMS)('@Cached on an RPC handler of a hybrid %s app', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let client: ClientProxy;
  let warn: jest.SpyInstance;

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

  it('does not throw, runs the handler every time, and warns once naming the handler', async () => {
    rpcCalls = 0;
    const before = ctx.app.get(CacheService).stats();
    const first = await lastValueFrom(client.send('sum', [1, 2]));
    const second = await lastValueFrom(client.send('sum', [1, 2]));
    const third = await lastValueFrom(client.send('sum', [1, 2, 3]));
    expect(first).toEqual({ total: 3, calls: 1 });
    expect(second).toEqual({ total: 3, calls: 2 });
    expect(third).toEqual({ total: 6, calls: 3 });
    const warnings = warn.mock.calls
      .map(([message]) => String(message))
      .filter((message) => message.includes('MathController@sum'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/rpc/);
    const after = ctx.app.get(CacheService).stats();
    expect(after.hits - before.hits).toBe(0);
    expect(after.sets - before.sets).toBe(0);
  });

  it('still caches the HTTP routes of the same controller', async () => {
    httpCalls = 0;
    await ctx.http().get('/math/pi').expect(200);
    const hit = await ctx.http().get('/math/pi').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual({ pi: 3.14, calls: 1 });
  });
});
