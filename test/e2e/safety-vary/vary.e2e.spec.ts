import { Controller, Get, Header, Headers, Module, Res } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectSameResponse, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Issue #7, case 3 (Vary): a handler that answers `Vary: Accept-Language` on a route that does not
 * say `vary: ['accept-language']` cannot be stored (one entry would serve every language); a
 * `Vary` set by middleware before the handler (CORS) does not make a response unstorable.
 */
const { calls, count, reset } = counters();
const greeting = (lang?: string) => (lang?.startsWith('de') ? 'Hallo' : 'Hello');

@Controller('vary')
class VaryController {
  @Get('undeclared')
  @Cached()
  undeclared(@Headers('accept-language') lang: string, @Res({ passthrough: true }) res: any) {
    count('undeclared');
    res.header('Vary', 'Accept-Language');
    return { greeting: greeting(lang) };
  }

  @Get('declared')
  @Cached({ vary: ['accept-language'] })
  declared(@Headers('accept-language') lang: string, @Res({ passthrough: true }) res: any) {
    count('declared');
    res.header('Vary', 'Accept-Language');
    return { greeting: greeting(lang) };
  }

  @Get('encoding')
  @Cached()
  encoding(@Res({ passthrough: true }) res: any) {
    count('encoding');
    res.header('Vary', 'Accept-Encoding');
    return { n: calls.encoding };
  }

  /** The route declares its Vary with @Header, which Nest applies before the interceptors run. */
  @Get('decorator')
  @Cached()
  @Header('Vary', 'Accept-Language')
  decorator(@Headers('accept-language') lang: string) {
    count('decorator');
    return { greeting: greeting(lang) };
  }

  @Get('cookie')
  @Cached()
  cookie(@Headers('cookie') cookie: string, @Res({ passthrough: true }) res: any) {
    count('cookie');
    res.header('Vary', 'Cookie');
    return { theme: /theme=dark/.test(cookie ?? '') ? 'dark' : 'light' };
  }

  @Get('declared-multi')
  @Cached({ vary: ['Accept-Language'] })
  declaredMulti(@Headers('accept-language') lang: string, @Res({ passthrough: true }) res: any) {
    count('declaredMulti');
    res.header('Vary', 'accept-language, Accept-Encoding');
    return { greeting: greeting(lang) };
  }

  /** Under the CORS-like middleware (path starts with /vary/cors): appends to its Vary: Origin. */
  @Get('cors-lang')
  @Cached()
  corsLang(@Headers('accept-language') lang: string, @Res({ passthrough: true }) res: any) {
    count('corsLang');
    const previous = res.getHeader('vary');
    res.header('Vary', previous ? `${previous}, Accept-Language` : 'Accept-Language');
    return { greeting: greeting(lang) };
  }

  @Get('cors')
  @Cached()
  cors() {
    count('cors');
    return { n: calls.cors };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [VaryController] })
class VaryModule {}

/** A CORS-like middleware (Express) / onRequest hook (Fastify) setting `Vary: Origin` on /vary/cors. */
function corsLike(app: any, platform: Platform) {
  if (platform === 'express') {
    app.use((req: any, res: any, next: () => void) => {
      if (req.url.startsWith('/vary/cors')) {
        res.setHeader('Vary', 'Origin');
        res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
      }
      next();
    });
  } else {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', async (req: any, reply: any) => {
        if (req.url.startsWith('/vary/cors')) {
          reply.header('vary', 'Origin');
          reply.header('access-control-allow-origin', req.headers.origin ?? '*');
        }
      });
  }
}

describe.each(PLATFORMS)('handler and middleware Vary, on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, VaryModule, { configure: corsLike })));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  const get = (url: string, lang?: string) => {
    const req = ctx.http().get(url);
    return lang ? req.set('Accept-Language', lang) : req;
  };

  it('a handler Vary: Accept-Language on a route without vary: the response is not stored', async () => {
    const en = await get('/vary/undeclared', 'en-US').expect(200);
    const de = await get('/vary/undeclared', 'de-DE').expect(200);
    const en2 = await get('/vary/undeclared', 'en-US').expect(200);
    expect(en.body.greeting).toBe('Hello');
    expect(de.body.greeting).toBe('Hallo');
    expect(en2.body.greeting).toBe('Hello');
    expect(de.headers['x-cache']).not.toBe('HIT');
    expect(en2.headers['x-cache']).not.toBe('HIT');
    expect(calls.undeclared).toBe(3);
  });

  it('... and one warning names the route and the header', async () => {
    await get('/vary/undeclared', 'en').expect(200);
    await get('/vary/undeclared', 'fr').expect(200);
    const aboutHeader = ctx.logs.warnings.filter((w) => /accept-language/i.test(w));
    const aboutRoute = aboutHeader.filter((w) => /undeclared/.test(w));
    expect(aboutRoute).toHaveLength(1); // once, though the route was answered 5 times
    expect(aboutRoute[0]).toMatch(/VaryController|\/vary\/undeclared/);
  });

  it("the same handler with vary: ['accept-language'] caches per language", async () => {
    const en = await get('/vary/declared', 'en').expect(200);
    const de = await get('/vary/declared', 'de').expect(200);
    const en2 = await get('/vary/declared', 'en').expect(200);
    const de2 = await get('/vary/declared', 'de').expect(200);
    expect([en, de, en2, de2].map((r) => r.headers['x-cache'])).toEqual([
      'MISS',
      'MISS',
      'HIT',
      'HIT',
    ]);
    expect(en2.body.greeting).toBe('Hello');
    expect(de2.body.greeting).toBe('Hallo');
    expect(de2.headers.vary).toMatch(/accept-language/i);
    expect(calls.declared).toBe(2);
  });

  it('a Vary: Origin set by middleware before the handler does not prevent storing; the hit carries it', async () => {
    const miss = await get('/vary/cors').set('Origin', 'https://a.example').expect(200);
    const hit = await get('/vary/cors').set('Origin', 'https://a.example').expect(200);
    expectXCache(miss, 'MISS');
    expectXCache(hit, 'HIT', miss);
    expect(hit.headers.vary).toMatch(/\bOrigin\b/i);
    expectSameResponse(miss, hit);
    expect(calls.cors).toBe(1);
    // the middleware's own headers are this request's, not the stored ones
    const other = await get('/vary/cors').set('Origin', 'https://b.example').expect(200);
    expectXCache(other, 'HIT');
    expect(other.headers['access-control-allow-origin']).toBe('https://b.example');
    expect(other.headers.vary).toMatch(/\bOrigin\b/i);
    expect(other.headers.vary.match(/origin/gi)).toHaveLength(1);
  });

  it("@Header('Vary', 'Accept-Language') on a route without vary: a German client never gets the English body", async () => {
    const en = await get('/vary/decorator', 'en').expect(200);
    const de = await get('/vary/decorator', 'de').expect(200);
    expect(en.headers.vary).toMatch(/accept-language/i);
    expect(en.body.greeting).toBe('Hello');
    expect(de.body.greeting).toBe('Hallo');
    expect(calls.decorator).toBe(2);
  });

  it('a handler Vary: Cookie on a route without vary: not stored, a dark-theme cookie is never shared', async () => {
    const dark = await get('/vary/cookie').set('Cookie', 'theme=dark').expect(200);
    const light = await get('/vary/cookie').expect(200);
    expect(dark.body.theme).toBe('dark');
    expect(light.body.theme).toBe('light');
    expect(light.headers['x-cache']).not.toBe('HIT');
    expect(calls.cookie).toBe(2);
  });

  it('a handler appending Accept-Language to the middleware Vary: Origin: not stored', async () => {
    const en = await get('/vary/cors-lang', 'en').set('Origin', 'https://a.example').expect(200);
    const de = await get('/vary/cors-lang', 'de').set('Origin', 'https://a.example').expect(200);
    expect(en.headers.vary).toMatch(/origin/i);
    expect(en.headers.vary).toMatch(/accept-language/i);
    expect(en.body.greeting).toBe('Hello');
    expect(de.body.greeting).toBe('Hallo');
    expect(de.headers['x-cache']).not.toBe('HIT');
    expect(calls.corsLang).toBe(2);
  });

  it("vary: ['Accept-Language'] and a handler Vary: 'accept-language, Accept-Encoding': cached per language", async () => {
    const en = await get('/vary/declared-multi', 'en').expect(200);
    const de = await get('/vary/declared-multi', 'de').expect(200);
    const en2 = await get('/vary/declared-multi', 'en').expect(200);
    expectXCache(en, 'MISS');
    expectXCache(de, 'MISS');
    expectXCache(en2, 'HIT', en);
    expect(de.body.greeting).toBe('Hallo');
    expect(en2.body.greeting).toBe('Hello');
    expect(calls.declaredMulti).toBe(2);
  });

  it('a handler Vary: Accept-Encoding does not prevent storing', async () => {
    const miss = await get('/vary/encoding').expect(200);
    const hit = await get('/vary/encoding').expect(200);
    expectXCache(miss, 'MISS');
    expectXCache(hit, 'HIT', miss);
    expect(hit.headers.vary).toMatch(/accept-encoding/i);
    expect(hit.text).toBe(miss.text);
    expect(calls.encoding).toBe(1);
  });
});

@Controller('cors-app')
class CorsAppController {
  @Get()
  @Cached()
  list() {
    count('corsApp');
    return { n: calls.corsApp };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [CorsAppController] })
class CorsAppModule {}

describe.each(PLATFORMS)('app.enableCors({ origin: true }), on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe(platform, CorsAppModule, {
        configure: (app) => app.enableCors({ origin: true, credentials: true }),
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it("a hit carries this request's Access-Control-Allow-Origin and Vary: Origin", async () => {
    const miss = await ctx.http().get('/cors-app').set('Origin', 'https://a.example').expect(200);
    const hit = await ctx.http().get('/cors-app').set('Origin', 'https://b.example').expect(200);
    expectXCache(miss, 'MISS');
    expectXCache(hit, 'HIT', miss);
    expect(miss.headers['access-control-allow-origin']).toBe('https://a.example');
    expect(hit.headers['access-control-allow-origin']).toBe('https://b.example');
    expect(hit.headers.vary).toMatch(/\bOrigin\b/i);
    expect(hit.text).toBe(miss.text);
    expect(calls.corsApp).toBe(1);
  });
});
