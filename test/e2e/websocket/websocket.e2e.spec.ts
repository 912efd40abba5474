import { Logger, Module } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { AddressInfo } from 'net';
import { io, Socket } from 'socket.io-client';
import { Cached, CacheModule } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const calls = { quote: 0, mine: 0 };

@WebSocketGateway()
class QuotesGateway implements OnGatewayConnection {
  handleConnection(client: {
    data: Record<string, unknown>;
    handshake: { auth: { user?: string } };
  }) {
    const user = client.handshake.auth.user;
    if (user) client.data.user = { id: user };
  }

  @SubscribeMessage('quote')
  @Cached('1m')
  quote(@MessageBody() data: { symbol: string }) {
    calls.quote++;
    return { symbol: data.symbol, price: 100, calls: calls.quote };
  }

  @SubscribeMessage('mine')
  @Cached({ ttl: '1m', scope: 'user', key: 'mine:{data.list}' })
  mine(@ConnectedSocket() client: { data: { user?: { id: string } } }) {
    calls.mine++;
    return `list of ${client.data.user?.id}`;
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [QuotesGateway] })
class AppModule {}

describe.each(PLATFORMS)('@Cached on gateway handlers (socket.io on %s)', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let url: string;
  const sockets: Socket[] = [];
  let warn: jest.SpyInstance;

  const connect = async (options: { user?: string; authorization?: string } = {}) => {
    const socket = io(url, {
      transports: ['websocket'],
      auth: options.user ? { user: options.user } : {},
      extraHeaders: options.authorization ? { authorization: options.authorization } : {},
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  };

  beforeAll(async () => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    ctx = await bootApp(platform, AppModule);
    await ctx.app.listen(0, '127.0.0.1');
    const { port } = ctx.app.getHttpServer().address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await ctx.app.close();
    warn.mockRestore();
  });
  beforeEach(() => {
    calls.quote = calls.mine = 0;
  });

  it('answers a repeated message from the cache, whichever socket sends it', async () => {
    const one = await connect();
    const two = await connect();
    const first = await one.emitWithAck('quote', { symbol: 'ACME' });
    const second = await two.emitWithAck('quote', { symbol: 'ACME' });
    const other = await one.emitWithAck('quote', { symbol: 'INIT' });
    expect(first).toEqual({ symbol: 'ACME', price: 100, calls: 1 });
    expect(second).toEqual(first);
    expect(other.calls).toBe(2);
  });

  it('bypasses shared entries for a socket whose handshake carries Authorization', async () => {
    const socket = await connect({ authorization: 'Bearer ann' });
    await socket.emitWithAck('quote', { symbol: 'AUTH' });
    await socket.emitWithAck('quote', { symbol: 'AUTH' });
    expect(calls.quote).toBe(2);
  });

  it('keeps users apart with scope: user (client.data.user), and bypasses without one', async () => {
    const ann = await connect({ user: 'ann' });
    const bob = await connect({ user: 'bob' });
    const anon = await connect();
    expect(await ann.emitWithAck('mine', { list: 1 })).toBe('list of ann');
    expect(await bob.emitWithAck('mine', { list: 1 })).toBe('list of bob');
    expect(await ann.emitWithAck('mine', { list: 1 })).toBe('list of ann');
    expect(calls.mine).toBe(2);
    await anon.emitWithAck('mine', { list: 1 });
    await anon.emitWithAck('mine', { list: 1 });
    expect(calls.mine).toBe(4);
  });
});
