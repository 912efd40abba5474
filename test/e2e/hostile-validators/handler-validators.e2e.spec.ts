import { Controller, Get, Header, Module, Param, Res } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { deferred, sleep } from '../helpers/deferred';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

const { calls, count, reset } = counters();
const hold: { gate?: Promise<void> } = {};
let expressEtagRuns = 0;

type Reply = { header(name: string, value: string): unknown };

@Controller('hh')
class HandlerValidatorsController {
  /** An ETag as a handler sets it: `:how` picks a valid or broken form. */
  @Get('own/:how')
  @Cached()
  own(@Param('how') how: string, @Res({ passthrough: true }) res: Reply) {
    count(`own:${how}`);
    const tags: Record<string, string> = {
      unquoted: 'abc',
      strong: '"s1"',
      weak: 'W/"w1"',
      comma: '"a,b"',
      broken: 'W/',
    };
    res.header('ETag', tags[how]);
    return { how };
  }

  @Get('declared')
  @Cached({ etag: false })
  @Header('ETag', '"declared"')
  declared() {
    count('declared');
    return { declared: true };
  }

  @Get('expired/:id')
  @Cached({ ttl: 40, honorRequestCacheControl: true })
  expired(@Param('id') id: string) {
    count(`expired:${id}`);
    return { id };
  }

  @Get('slow')
  @Cached({ ttl: '1m', cacheControl: { maxAge: 'ttl' } })
  async slow() {
    count('slow');
    await hold.gate;
    return { slow: true };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [HandlerValidatorsController] })
class HandlerValidatorsModule {}

describe.each(PLATFORMS)('hostile: handler validators on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe(platform, HandlerValidatorsModule, {
        configure: (app) => {
          if (platform === 'express') {
            app.set('etag', (body: Buffer) => {
              expressEtagRuns++;
              return `"express-${body.length}"`;
            });
          }
        },
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(() => {
    reset();
    hold.gate = undefined;
    expressEtagRuns = 0;
  });

  it.each([
    ['unquoted', 'abc', 'abc', '"abc"'],
    ['strong', '"s1"', 'W/"s1"', '"s2"'],
    ['weak', 'W/"w1"', '"w1"', 'W/"w2"'],
    ['comma', '"a,b"', '"x", "a,b"', '"a"'],
  ])(
    "a handler's %s ETag is replayed as is and compared weakly",
    async (how, tag, matching, other) => {
      const miss = await ctx.http().get(`/hh/own/${how}`).expect(200);
      expect(miss.headers.etag).toBe(tag);
      const hit = await ctx.http().get(`/hh/own/${how}`).expect(200);
      expectXCache(hit, 'HIT');
      expect(hit.headers.etag).toBe(tag);
      const nm = await ctx.http().get(`/hh/own/${how}`).set('If-None-Match', matching);
      const full = await ctx.http().get(`/hh/own/${how}`).set('If-None-Match', other);
      expect([nm.status, nm.headers.etag, full.status]).toEqual([304, tag, 200]);
      expect(calls[`own:${how}`]).toBe(1);
    },
  );

  it('a broken handler ETag is replayed; a client echoing it gets no error', async () => {
    const miss = await ctx.http().get('/hh/own/broken').expect(200);
    const again = await ctx.http().get('/hh/own/broken').set('If-None-Match', 'W/');
    expect([miss.headers.etag, again.headers.etag]).toEqual(['W/', 'W/']);
    expect(again.status).toBeLessThan(500);
  });

  it("@Header('ETag') is kept with etag: false; the framework's never replaces it", async () => {
    const miss = await ctx.http().get('/hh/declared').expect(200);
    const hit = await ctx.http().get('/hh/declared').set('If-None-Match', 'W/"declared"');
    expect([miss.headers.etag, hit.status, hit.headers.etag]).toEqual([
      '"declared"',
      304,
      '"declared"',
    ]);
    expect(expressEtagRuns).toBe(0);
  });

  it('only-if-cached on an expired entry: 504 without running the handler', async () => {
    await ctx.http().get('/hh/expired/1').expect(200);
    await sleep(120);
    const res = await ctx.http().get('/hh/expired/1').set('Cache-Control', 'only-if-cached');
    expect(res.status).toBe(504);
    expect(calls['expired:1']).toBe(1);
  });

  it('joiners of one miss: same ETag and Cache-Control, max-age not counted down, Age only on hits', async () => {
    const gate = deferred<void>();
    hold.gate = gate.promise;
    const leader = ctx
      .http()
      .get('/hh/slow')
      .then((r) => r);
    await sleep(40);
    const joiner = ctx
      .http()
      .get('/hh/slow')
      .then((r) => r);
    await sleep(40);
    gate.resolve();
    const [a, b] = await Promise.all([leader, joiner]);
    hold.gate = undefined;
    await sleep(1100);
    const hit = await ctx.http().get('/hh/slow').expect(200);
    expect(calls.slow).toBe(1);
    expect([a.headers.etag, b.headers.etag]).toEqual([hit.headers.etag, hit.headers.etag]);
    for (const res of [a, b, hit]) expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(a.headers.age).toBeUndefined();
    expect(Number(hit.headers.age)).toBeGreaterThanOrEqual(1);
    expect(b.headers.age === undefined || /^\d+$/.test(b.headers.age)).toBe(true);
  });
});
