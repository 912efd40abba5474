import { Controller, Get, Header, Module } from '@nestjs/common';
import compression from 'compression';
import fastifyCompress from '@fastify/compress';
import { Cached, CacheModule } from 'nestjs-cached';
import { bootSafe, counters, SafeApp } from '../helpers/safety';
import { listen, rawRequest } from './raw-client';

/**
 * Hostile: transport encodings. Express `compression()` and Fastify `@fastify/compress` in front
 * of a cached route with a body well over the 1 KB threshold. A client that did not ask for gzip
 * must never receive gzip bytes; every client must decode to the same bytes.
 */
const { calls, count, reset } = counters();
const BIG = { items: Array.from({ length: 200 }, (_, i) => ({ i, name: `item number ${i}` })) };
const BIG_TEXT = JSON.stringify(BIG);

@Controller('z')
class BigController {
  @Get('json')
  @Cached()
  json() {
    count('json');
    return BIG;
  }

  @Get('text')
  @Cached()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  text() {
    count('text');
    return 'x'.repeat(5000);
  }

  @Get('reverse')
  @Cached()
  reverse() {
    count('reverse');
    return BIG;
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [BigController] })
class BigModule {}

describe('hostile: Express compression()', () => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    ctx = await bootSafe('express', BigModule, { configure: (app) => app.use(compression()) });
    port = await listen(ctx.app.getHttpServer());
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('gzip MISS, then identity HIT and gzip HIT: same decoded bytes, identity client never gets gzip', async () => {
    const miss = await rawRequest(port, '/z/json', { 'accept-encoding': 'gzip' });
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(miss.headers['content-encoding']).toBe('gzip');
    const plain = await rawRequest(port, '/z/json');
    expect(plain.headers['x-cache']).toBe('HIT');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.wire.toString()).toBe(BIG_TEXT);
    expect(Number(plain.headers['content-length'])).toBe(Buffer.byteLength(BIG_TEXT));
    const gz = await rawRequest(port, '/z/json', { 'accept-encoding': 'gzip' });
    expect(gz.headers['x-cache']).toBe('HIT');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body.toString()).toBe(BIG_TEXT);
    expect(miss.body.toString()).toBe(BIG_TEXT);
    expect(calls.json).toBe(1);
  });

  it('identity MISS, then gzip HIT gets gzip and Vary: Accept-Encoding', async () => {
    const miss = await rawRequest(port, '/z/reverse');
    expect(miss.headers['content-encoding']).toBeUndefined();
    const gz = await rawRequest(port, '/z/reverse', { 'accept-encoding': 'gzip, br' });
    expect(gz.headers['x-cache']).toBe('HIT');
    expect(gz.headers['content-encoding']).toMatch(/gzip|br/);
    expect(gz.headers.vary).toMatch(/accept-encoding/i);
    expect(gz.body.toString()).toBe(BIG_TEXT);
    const plain = await rawRequest(port, '/z/reverse', { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.wire.toString()).toBe(BIG_TEXT);
    expect(calls.reverse).toBe(1);
  });

  it('HEAD after a gzip GET: no body, no gzip for an identity client', async () => {
    await rawRequest(port, '/z/text', { 'accept-encoding': 'gzip' });
    const head = await rawRequest(port, '/z/text', {}, 'HEAD');
    expect(head.headers['x-cache']).toBe('HIT');
    expect(head.wire.length).toBe(0);
    expect(head.headers['content-encoding']).toBeUndefined();
    expect(head.headers['content-length']).toBe('5000');
  });
});

describe('hostile: Fastify @fastify/compress', () => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    ctx = await bootSafe('fastify', BigModule, {
      configure: async (app) => {
        await app.register(fastifyCompress as any, { threshold: 1024 });
      },
    });
    port = await listen(ctx.app.getHttpServer());
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('a gzip MISS is never replayed to a client that did not ask for gzip', async () => {
    const miss = await rawRequest(port, '/z/json', { 'accept-encoding': 'gzip' });
    expect(miss.headers['content-encoding']).toBe('gzip');
    expect(miss.body.toString()).toBe(BIG_TEXT);
    // The body was stored as it entered the onSend hooks (before @fastify/compress): the HIT
    // goes through compression again, for this client, which did not ask for it.
    const plain = await rawRequest(port, '/z/json');
    expect(plain.headers['x-cache']).toBe('HIT');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.wire.toString()).toBe(BIG_TEXT);
    const gzip = await rawRequest(port, '/z/json', { 'accept-encoding': 'gzip' });
    expect(gzip.headers['x-cache']).toBe('HIT');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.body.toString()).toBe(BIG_TEXT);
    expect(ctx.logs.warningsAbout('BigController@json')).toHaveLength(0);
  });

  it('identity MISS then gzip client: decodes to the same bytes; identity HIT stays identity', async () => {
    const miss = await rawRequest(port, '/z/reverse');
    expect(miss.headers['content-encoding']).toBeUndefined();
    const gz = await rawRequest(port, '/z/reverse', { 'accept-encoding': 'gzip' });
    expect(gz.body.toString()).toBe(BIG_TEXT);
    const plain = await rawRequest(port, '/z/reverse');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.wire.toString()).toBe(BIG_TEXT);
  });
});
