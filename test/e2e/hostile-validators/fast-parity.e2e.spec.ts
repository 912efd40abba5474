import { Controller, Get, Header, Module, Param } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, SafeApp } from '../helpers/safety';

const { calls, count, reset } = counters();

const route = {
  scope: 'public' as const,
  lastModified: true,
  vary: ['Accept-Language'],
  cacheControl: { maxAge: '1m' as const, sMaxAge: '1h' as const },
};

@Controller('fp')
class FastParityController {
  @Get('fast/:id')
  @Cached({ ...route, fastPath: true })
  @Header('Expires', 'Thu, 01 Jan 2037 00:00:00 GMT')
  @Header('Content-Location', '/fp/doc')
  @Header('Content-Language', 'fr')
  fast(@Param('id') id: string) {
    count('fast');
    return { id };
  }

  @Get('std/:id')
  @Cached({ ...route, fastPath: false })
  @Header('Expires', 'Thu, 01 Jan 2037 00:00:00 GMT')
  @Header('Content-Location', '/fp/doc')
  @Header('Content-Language', 'fr')
  std(@Param('id') id: string) {
    count('std');
    return { id };
  }
}

@Module({
  imports: [CacheModule.forRoot({ ttl: '1m' })],
  controllers: [FastParityController],
})
class FastParityModule {}

const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'x-powered-by']);
function picture(res: { status: number; headers: Record<string, unknown>; text?: string }) {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (!VOLATILE.has(name)) headers[name] = value;
  }
  return { status: res.status, headers, body: res.text ?? '' };
}

describe.each(PLATFORMS)('fast path and standard path answer alike on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, FastParityModule)));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('every conditional request: same status, headers and body; 304s keep the cache headers', async () => {
    // Both entries must be created within one second (Last-Modified has whole seconds): start
    // early in a second, and store them again if a slow machine crossed a second boundary.
    let fastMiss!: Awaited<ReturnType<ReturnType<SafeApp['http']>['get']>>;
    let stdMiss!: typeof fastMiss;
    for (let attempt = 0; attempt < 5; attempt++) {
      await ctx.app.get(CacheService).clear();
      while (Date.now() % 1000 > 500) await new Promise((resolve) => setTimeout(resolve, 20));
      fastMiss = await ctx.http().get('/fp/fast/1').expect(200);
      stdMiss = await ctx.http().get('/fp/std/1').expect(200);
      if (fastMiss.headers['last-modified'] === stdMiss.headers['last-modified']) break;
    }
    expect(fastMiss.headers.etag).toBe(stdMiss.headers.etag);
    const etag = String(fastMiss.headers.etag);
    const opaque = etag.replace(/^W\//, '');
    const lm = String(fastMiss.headers['last-modified']);
    const cases: Array<[string, Record<string, string>, 'get' | 'head', number]> = [
      ['plain', {}, 'get', 200],
      ['INM exact', { 'If-None-Match': etag }, 'get', 304],
      ['INM strong form of a weak tag', { 'If-None-Match': opaque }, 'get', 304],
      ['INM list with spaces', { 'If-None-Match': `"a,b" ,  ${etag} ,"c"` }, 'get', 304],
      ['INM *', { 'If-None-Match': '*' }, 'get', 304],
      ['INM garbage', { 'If-None-Match': 'W/ garbage, "' }, 'get', 200],
      ['INM miss wins over IMS', { 'If-None-Match': '"x"', 'If-Modified-Since': lm }, 'get', 200],
      ['IMS equal', { 'If-Modified-Since': lm }, 'get', 304],
      ['IMS not a date', { 'If-Modified-Since': '2099' }, 'get', 200],
      ['no-cache reload', { 'If-None-Match': etag, 'Cache-Control': 'no-cache' }, 'get', 200],
      ['HEAD', {}, 'head', 200],
      ['HEAD INM', { 'If-None-Match': etag }, 'head', 304],
    ];
    for (const [name, headers, method, status] of cases) {
      const fast = await ctx.http()[method]('/fp/fast/1').set(headers);
      const std = await ctx.http()[method]('/fp/std/1').set(headers);
      expect({ name, ...picture(fast) }).toEqual({ name, ...picture(std) });
      expect({ name, status: fast.status }).toEqual({ name, status });
      expect({ name, age: fast.headers.age, cc: fast.headers['cache-control'] }).toEqual({
        name,
        age: expect.stringMatching(/^\d+$/),
        cc: 'public, max-age=60, s-maxage=3600',
      });
      if (status === 304) {
        expect({ name, ...fast.headers }).toMatchObject({
          name,
          etag,
          vary: 'accept-language',
          expires: 'Thu, 01 Jan 2037 00:00:00 GMT',
          'content-location': '/fp/doc',
          'x-cache': 'HIT',
        });
        expect(
          Object.keys(fast.headers).filter(
            (h) => h.startsWith('content-') && h !== 'content-location',
          ),
        ).toEqual([]);
        expect(fast.text ?? '').toBe('');
      }
    }
    expect([calls.fast, calls.std]).toEqual([1, 1]);
  });
});
