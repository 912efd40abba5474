import { Controller, ExecutionContext, Get, Header, HttpCode, Module, Res } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Cached, CacheModule } from 'nestjs-cached';
import { computeEtag } from '../../../lib/http/validators/etag';
import {
  bootSafe,
  counters,
  expectSameResponse,
  expectXCache,
  SafeApp,
  stableHeaders,
} from '../helpers/safety';
import { listen, rawRequest } from '../hostile-transport/raw-client';
import { expectNoHeld } from './expectations';

/**
 * Hostile: the Fastify miss (the payload string given to the validators as it is; the headers read
 * when the handler's value came out limited to ETag, Last-Modified and Content-Encoding). The
 * ETag is the documented one over the UTF-8 bytes; what the handler set is kept; what an `onSend`
 * hook sets after it decides as before.
 */
const { calls, count, reset } = counters();
type Reply = { header(name: string, value: string): unknown };

const stockable = (ctx: ExecutionContext) =>
  !('stock' in (ctx.switchToHttp().getRequest<{ query: object }>().query ?? {}));

@Controller('f')
class FastifyMissController {
  @Get('text')
  @Cached({ condition: stockable })
  @Header('Content-Type', 'text/plain; charset=utf-8')
  text() {
    count('text');
    // 1, 2, 3 and 4 UTF-8 bytes per character, and a lone surrogate (sent as U+FFFD).
    return 'aé€😀\ud800'.repeat(400);
  }

  @Get('json')
  @Cached({ condition: stockable })
  json() {
    count('json');
    return { name: 'Zoë', list: ['ü', '€'] };
  }

  @Get('unstored')
  @Cached({ condition: stockable })
  @HttpCode(201)
  unstored() {
    count('unstored');
    return { unstored: true };
  }

  @Get('validators')
  @Cached({ condition: stockable })
  validators(@Res({ passthrough: true }) reply: Reply) {
    count('validators');
    reply.header('ETag', '"handler"');
    reply.header('Last-Modified', 'Tue, 01 Dec 2026 10:00:00 GMT');
    reply.header('Content-Encoding', 'x-test');
    return { handler: true };
  }

  @Get('late-encoding')
  @Cached({ condition: stockable })
  lateEncoding() {
    count('late-encoding');
    return { late: true };
  }

  @Get('late-etag')
  @Cached({ condition: stockable })
  lateEtag() {
    count('late-etag');
    return { lateEtag: true };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [FastifyMissController] })
class FastifyMissModule {}

describe('hostile miss capture: Fastify', () => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    ctx = await bootSafe('fastify', FastifyMissModule, {
      configure: (app) => {
        const fastify = app.getHttpAdapter().getInstance();
        fastify.addHook('onSend', async (req: any, reply: any, payload: unknown) => {
          if (req.url.startsWith('/f/late-encoding')) reply.header('Content-Encoding', 'x-late');
          if (req.url.startsWith('/f/late-etag') && req.query.tag !== undefined) {
            reply.header('ETag', '"from-hook"');
          }
          return payload;
        });
      },
    });
    port = await listen(ctx.app.getHttpServer());
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('a multi-byte string payload: ETag over its UTF-8 bytes, MISS and HIT byte for byte', async () => {
    const miss = await rawRequest(port, '/f/text');
    const hit = await rawRequest(port, '/f/text');
    expectNoHeld(miss, hit);
    expectXCache(hit, 'HIT', miss);
    expect(miss.body.equals(Buffer.from('aé€😀\ud800'.repeat(400)))).toBe(true);
    expect(hit.body.equals(miss.body)).toBe(true);
    expect(stableHeaders(hit)).toEqual(stableHeaders(miss));
    expect(miss.headers.etag).toBe(
      computeEtag(200, miss.headers['content-type'], miss.body, 'weak'),
    );
    expect(Number(miss.headers['content-length'])).toBe(miss.body.length);
  });

  it('JSON with non-ASCII text: the documented ETag, MISS and HIT alike', async () => {
    const miss = await ctx.http().get('/f/json');
    const hit = await ctx.http().get('/f/json');
    expectXCache(hit, 'HIT', miss);
    expectSameResponse(miss, hit);
    expect(miss.headers.etag).toBe(
      computeEtag(200, miss.headers['content-type'], Buffer.from(miss.text), 'weak'),
    );
  });

  it('a status not stored: what Fastify sends alone', async () => {
    const stock = await ctx.http().get('/f/unstored?stock');
    const miss = await ctx.http().get('/f/unstored');
    expect(stableHeaders(miss)).toEqual(stableHeaders(stock));
    expect(miss.text).toBe(stock.text);
    expectXCache(await ctx.http().get('/f/unstored'), 'MISS');
  });

  it("the handler's ETag, Last-Modified and Content-Encoding: kept, stored, replayed", async () => {
    const miss = await rawRequest(port, '/f/validators');
    const hit = await rawRequest(port, '/f/validators');
    expectXCache(hit, 'HIT', miss);
    expect(miss.headers.etag).toBe('"handler"');
    expect(miss.headers['last-modified']).toBe('Tue, 01 Dec 2026 10:00:00 GMT');
    expect(miss.headers['content-encoding']).toBe('x-test');
    expect(stableHeaders(hit)).toEqual(stableHeaders(miss));
    expect(hit.body.equals(miss.body)).toBe(true);
    const notModified = await rawRequest(port, '/f/validators', { 'if-none-match': '"handler"' });
    expect(notModified.status).toBe(304);
    expect(calls.validators).toBe(1);
  });

  it('a Content-Encoding an app onSend hook adds (after the cache’s): the hit goes through it again', async () => {
    const miss = await rawRequest(port, '/f/late-encoding');
    const hit = await rawRequest(port, '/f/late-encoding');
    expect(miss.headers['content-encoding']).toBe('x-late');
    expectXCache(hit, 'HIT', miss);
    expect(stableHeaders(hit)).toEqual(stableHeaders(miss));
    expect(hit.body.equals(miss.body)).toBe(true);
    expect(calls['late-encoding']).toBe(1);
  });

  // The app's hook runs after the cache's (added when the adapter appeared): it sets its ETag on
  // the miss and again on each hit.
  it('an ETag an onSend hook sets: never the placeholder, MISS and HIT alike', async () => {
    const miss = await rawRequest(port, '/f/late-etag?tag');
    const hit = await rawRequest(port, '/f/late-etag?tag');
    expectNoHeld(miss, hit);
    expectXCache(hit, 'HIT', miss);
    expect(miss.headers.etag).toBe('"from-hook"');
    expect(stableHeaders(hit)).toEqual(stableHeaders(miss));
    expect(hit.body.equals(miss.body)).toBe(true);
  });
});

// A hook on a Fastify instance the app configured before Nest (passed to the adapter) runs before
// the cache's: a body it already encoded is sent, never stored (it would reach clients that did
// not ask for the encoding).
describe('hostile miss capture: Fastify, an encoding hook registered before the cache’s', () => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    // A Fastify instance made before Nest's (here through an adapter of its own).
    const instance = new FastifyAdapter().getInstance();
    instance.addHook('onSend', async (req: any, reply: any, payload: unknown) => {
      if (req.url.startsWith('/f/late-encoding')) reply.header('Content-Encoding', 'x-late');
      return payload;
    });
    ctx = await bootSafe('fastify', FastifyMissModule, { fastify: instance as never });
    port = await listen(ctx.app.getHttpServer());
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('a Content-Encoding set before the cache records: sent, never stored', async () => {
    const miss = await rawRequest(port, '/f/late-encoding');
    const again = await rawRequest(port, '/f/late-encoding');
    expect(miss.headers['content-encoding']).toBe('x-late');
    expectXCache(again, 'MISS');
    expect(calls['late-encoding']).toBe(2);
  });
});
