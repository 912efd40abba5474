import { Module } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import { AddressInfo } from 'net';
import WebSocket from 'ws';
import { Cached, CacheModule } from 'nestjs-cached';
import { bootApp } from '../helpers/platforms';

let calls = 0;

@WebSocketGateway()
class RatesGateway {
  @SubscribeMessage('rate')
  @Cached({ ttl: '1m', key: 'rate:{pattern}:{data.pair}' })
  rate(@MessageBody() data: { pair: string }) {
    calls++;
    return { event: 'rate', data: { pair: data.pair, calls } };
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [RatesGateway] })
class AppModule {}

describe('@Cached on a gateway handler (ws adapter)', () => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let url: string;

  beforeAll(async () => {
    ctx = await bootApp('express', AppModule, (app) => app.useWebSocketAdapter(new WsAdapter(app)));
    await ctx.app.listen(0, '127.0.0.1');
    url = `ws://127.0.0.1:${(ctx.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => ctx.app.close());

  async function ask(pair: string): Promise<unknown> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const answer = new Promise((resolve) =>
      socket.once('message', (raw) => resolve(JSON.parse(String(raw)))),
    );
    socket.send(JSON.stringify({ event: 'rate', data: { pair } }));
    try {
      return await answer;
    } finally {
      socket.close();
    }
  }

  it('answers a repeated message from the cache, from any socket, keyed by {pattern} and data', async () => {
    const first = await ask('EURUSD');
    const second = await ask('EURUSD');
    const other = await ask('USDJPY');
    expect(first).toEqual({ event: 'rate', data: { pair: 'EURUSD', calls: 1 } });
    expect(second).toEqual(first);
    expect(other).toEqual({ event: 'rate', data: { pair: 'USDJPY', calls: 2 } });
  });
});
