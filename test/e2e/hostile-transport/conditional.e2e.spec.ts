import { Controller, Get, Header, Module } from '@nestjs/common';
import fastifyEtag from '@fastify/etag';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Hostile: conditional requests against hits while the framework makes ETags of its own
 * (Express's `etag fn`; @fastify/etag registered on Fastify): the cache's ETag is the one sent,
 * and a hit answers as the uncached app would.
 */
const { calls, count, reset } = counters();
const LAST_MODIFIED = 'Tue, 01 Dec 2026 10:00:00 GMT';

@Controller('c')
class ConditionalController {
  @Get('etag')
  @Cached()
  etag() {
    count('etag');
    return { hello: 'world', pad: 'y'.repeat(100) };
  }

  @Get('lm')
  @Cached()
  @Header('Last-Modified', LAST_MODIFIED)
  lastModified() {
    count('lm');
    return { v: 1 };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [ConditionalController] })
class ConditionalModule {}

describe.each(PLATFORMS)('hostile: conditional requests on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe(platform, ConditionalModule, {
        configure: async (app) => {
          if (platform === 'fastify') await app.register(fastifyEtag as any);
        },
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('If-None-Match on a HIT is a 304 without a body; Cache-Control: no-cache gets a full 200', async () => {
    const miss = await ctx.http().get('/c/etag').expect(200);
    const etag = miss.headers.etag;
    expect(etag).toBeDefined();
    const nm = await ctx.http().get('/c/etag').set('If-None-Match', etag);
    expect(nm.status).toBe(304);
    expect(nm.text ?? '').toBe('');
    expect(nm.headers.etag).toBe(etag);
    const weak = await ctx
      .http()
      .get('/c/etag')
      .set('If-None-Match', `"nope", W/${etag.replace(/^W\//, '')}`);
    expect(weak.status).toBe(304);
    const forced = await ctx
      .http()
      .get('/c/etag')
      .set('If-None-Match', etag)
      .set('Cache-Control', 'no-cache');
    // The cache honours no-cache (as Express's freshness check); on Fastify a hit goes through
    // @fastify/etag's onSend hook again, which answers a matching tag with 304 whatever no-cache.
    expect(forced.status).toBe(platform === 'express' ? 200 : 304);
    if (platform === 'express') expect(forced.text).toBe(miss.text);
    const other = await ctx
      .http()
      .get('/c/etag')
      .set('If-None-Match', '"something-else"')
      .expect(200);
    expect(other.text).toBe(miss.text);
    expect(calls.etag).toBe(1);
  });

  it('a conditional request on a MISS gets its 304 after the handler; the next GET is a full 200', async () => {
    const first = await ctx.http().get('/c/etag?fresh=1').expect(200);
    // ask conditionally on a cold key (same body, so the same ETag)
    const cold = await ctx.http().get('/c/etag?cold=1').set('If-None-Match', first.headers.etag);
    expect(cold.status).toBe(304);
    expectXCache(cold, 'MISS');
    const full = await ctx.http().get('/c/etag?cold=1').expect(200);
    expect(full.text).toBe(first.text);
    expect(full.body).toEqual({ hello: 'world', pad: 'y'.repeat(100) });
  });

  if (platform === 'express') {
    it('If-Modified-Since on a HIT is a 304, as uncached Express answers it', async () => {
      // Uncached Express (res.send -> req.fresh) answers a conditional request with 304.
      const coldConditional = await ctx
        .http()
        .get('/c/lm?cold=1')
        .set('If-Modified-Since', LAST_MODIFIED);
      const miss = await ctx.http().get('/c/lm').expect(200);
      expectXCache(miss, 'MISS');
      const hit = await ctx.http().get('/c/lm').set('If-Modified-Since', LAST_MODIFIED);
      expectXCache(hit, 'HIT');
      expect({ uncached: coldConditional.status, hit: hit.status }).toEqual({
        uncached: 304,
        hit: 304,
      });
    });
  }
});
