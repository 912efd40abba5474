import { Body, Controller, Get, Module, Post, Req, Res } from '@nestjs/common';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { randomUUID } from 'crypto';
import session from 'express-session';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, cookiesOf, counters, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Issue #7, cases 2 and 3: cookies set after the handler (at writeHead / in onSend) make a
 * response unstorable; a session, or a cookie named in `identityCookies`, identifies a request.
 */
const { calls, count, reset } = counters();
const SECRET = 'a-secret-with-at-least-32-characters-in-it!!';

@Controller('csrf')
class CsrfController {
  /** A form page: the body carries a per-client token (express-session sets the cookie late). */
  @Get('form')
  @Cached()
  form(@Req() req: any) {
    count('form');
    const csrf = randomUUID();
    if (req.session) req.session.csrf = csrf;
    return { csrf };
  }

  /** The handler sets the cookie itself through the passthrough response. */
  @Get('handler-cookie')
  @Cached()
  handlerCookie(@Res({ passthrough: true }) res: any) {
    count('handlerCookie');
    const csrf = randomUUID();
    if (typeof res.setCookie === 'function') res.setCookie('csrf', csrf, { path: '/' });
    else res.cookie('csrf', csrf, { path: '/' });
    return { csrf };
  }

  /** A token derived from a per-client secret that a middleware put in a cookie before the handler. */
  @Get('from-middleware')
  @Cached()
  fromMiddleware(@Req() req: any) {
    count('fromMiddleware');
    return { csrf: `token-for-${req.csrfSecret}` };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [CsrfController] })
class CsrfModule {}

/** A csurf-like middleware (Express) / onRequest hook (Fastify): a secret cookie for new clients. */
function csrfSecretCookie(app: any, platform: Platform) {
  const secretOf = (cookie: string | undefined) => /(?:^|; )secret=([^;]+)/.exec(cookie ?? '')?.[1];
  if (platform === 'express') {
    app.use((req: any, res: any, next: () => void) => {
      req.csrfSecret = secretOf(req.headers.cookie);
      if (!req.csrfSecret) {
        req.csrfSecret = randomUUID();
        res.setHeader('Set-Cookie', `secret=${req.csrfSecret}; Path=/; HttpOnly`);
      }
      next();
    });
  } else {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', async (req: any, reply: any) => {
        req.csrfSecret = secretOf(req.headers.cookie);
        if (!req.csrfSecret) {
          req.csrfSecret = randomUUID();
          reply.header('set-cookie', `secret=${req.csrfSecret}; Path=/; HttpOnly`);
        }
      });
  }
}

@Controller('auth')
class AuthController {
  @Post('login')
  login(@Req() req: any, @Body() body: { name: string }) {
    req.session.user = { name: body.name };
    return { ok: true };
  }

  @Get('me')
  @Cached()
  me(@Req() req: any) {
    count('me');
    return { user: req.session?.user?.name ?? null, token: randomUUID() };
  }

  @Get('public-news')
  @Cached({ scope: 'public' })
  publicNews() {
    count('publicNews');
    return { news: 'today', token: randomUUID() };
  }

  @Get('news')
  @Cached()
  news() {
    count('news');
    return { news: 'today', token: randomUUID() };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [AuthController] })
class SessionModule {}

@Controller('ic')
class IdentityCookieController {
  @Get('page')
  @Cached()
  page(@Req() req: any) {
    count('page');
    return { cookie: req.headers.cookie ?? null, n: calls.page };
  }

  @Get('public')
  @Cached({ scope: 'public' })
  publicPage() {
    count('public');
    return { n: calls.public };
  }
}

@Module({
  imports: [CacheModule.forRoot({ identityCookies: ['sid'] })],
  controllers: [IdentityCookieController],
})
class IdentityCookieModule {}

/** express-session / @fastify/session, with saveUninitialized as asked. */
async function useSessions(app: any, platform: Platform, saveUninitialized: boolean) {
  if (platform === 'express') {
    app.use(session({ secret: SECRET, resave: false, saveUninitialized }));
  } else {
    await app.register(fastifyCookie);
    await app.register(fastifySession, {
      secret: SECRET,
      saveUninitialized,
      rolling: false, // a GET of an unchanged session sets no cookie: the leak is then possible
      cookie: { secure: false },
    });
  }
}

describe('late cookies: express-session with saveUninitialized sets Set-Cookie at writeHead (express)', () => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe('express', CsrfModule, {
        configure: (app) => useSessions(app, 'express', true),
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it("a second client never gets the first client's token", async () => {
    const first = await ctx.http().get('/csrf/form').expect(200);
    expect(first.headers['set-cookie']).toBeDefined();
    const second = await ctx.http().get('/csrf/form').expect(200);
    expect(second.body.csrf).not.toBe(first.body.csrf);
    expect(['MISS', 'BYPASS']).toContain(second.headers['x-cache']);
    expect(calls.form).toBe(2);
  });
});

describe('late cookies: reply.setCookie from an onSend hook (fastify)', () => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe('fastify', CsrfModule, {
        configure: async (app) => {
          await app.register(fastifyCookie);
          app
            .getHttpAdapter()
            .getInstance()
            .addHook('onSend', async (req: any, reply: any, payload: unknown) => {
              if (!req.cookies?.sid) reply.setCookie('sid', randomUUID(), { path: '/' });
              return payload;
            });
        },
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it("a second client never gets the first client's token", async () => {
    const first = await ctx.http().get('/csrf/form').expect(200);
    expect(String(first.headers['set-cookie'])).toMatch(/^sid=/);
    const second = await ctx.http().get('/csrf/form').expect(200);
    expect(second.body.csrf).not.toBe(first.body.csrf);
    expect(['MISS', 'BYPASS']).toContain(second.headers['x-cache']);
    expect(calls.form).toBe(2);
  });
});

describe.each(PLATFORMS)(
  'a cookie set by the handler (passthrough response), on %s',
  (platform) => {
    let ctx: SafeApp;
    beforeAll(
      async () =>
        (ctx = await bootSafe(platform, CsrfModule, {
          configure: async (app, p) => {
            if (p === 'fastify') await app.register(fastifyCookie);
          },
        })),
    );
    afterAll(() => ctx.app.close());
    beforeEach(reset);

    it("a second client never gets the first client's token", async () => {
      const first = await ctx.http().get('/csrf/handler-cookie').expect(200);
      expect(String(first.headers['set-cookie'])).toMatch(/^csrf=/);
      const second = await ctx.http().get('/csrf/handler-cookie').expect(200);
      expect(second.body.csrf).not.toBe(first.body.csrf);
      expect(['MISS', 'BYPASS']).toContain(second.headers['x-cache']);
      expect(calls.handlerCookie).toBe(2);
    });
  },
);

describe.each(PLATFORMS)('a cookie set by middleware before the handler, on %s', (platform) => {
  let ctx: SafeApp;
  beforeAll(
    async () => (ctx = await bootSafe(platform, CsrfModule, { configure: csrfSecretCookie })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it("a second client never gets a token derived from the first client's secret", async () => {
    const first = await ctx.http().get('/csrf/from-middleware').expect(200);
    expect(String(first.headers['set-cookie'])).toMatch(/^secret=/);
    const second = await ctx.http().get('/csrf/from-middleware').expect(200);
    const secondSecret = /^secret=([^;]+)/.exec(String(second.headers['set-cookie']))?.[1];
    expect(second.body.csrf).not.toBe(first.body.csrf);
    expect(second.body.csrf).toBe(`token-for-${secondSecret}`);
    expect(calls.fromMiddleware).toBe(2);
  });
});

describe.each(PLATFORMS)('session identity, on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe(platform, SessionModule, {
        configure: (app, p) => useSessions(app, p, false),
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  const login = async (name: string) => {
    const res = await ctx.http().post('/auth/login').send({ name });
    expect(res.status).toBeLessThan(300);
    const cookie = cookiesOf(res);
    expect(cookie).not.toBe('');
    return cookie;
  };

  it('a logged-in session gets BYPASS on @Cached() /me; a client without cookie never gets its body', async () => {
    const cookie = await login('alice');
    const alice = await ctx.http().get('/auth/me').set('Cookie', cookie).expect(200);
    expect(alice.body.user).toBe('alice');
    expectXCache(alice, 'BYPASS');
    const anon = await ctx.http().get('/auth/me').expect(200);
    expect(anon.body.user).toBeNull();
    expect(anon.text).not.toContain('alice');
    const anon2 = await ctx.http().get('/auth/me').expect(200);
    expect(anon2.body.user).toBeNull();
  });

  it('a session is never answered from the anonymous entry', async () => {
    await ctx.http().get('/auth/me?warm').expect(200);
    await ctx.http().get('/auth/me?warm').expect(200); // the anonymous entry exists
    const cookie = await login('bob');
    const bob = await ctx.http().get('/auth/me?warm').set('Cookie', cookie).expect(200);
    expect(bob.body.user).toBe('bob');
    expectXCache(bob, 'BYPASS');
  });

  it("a logged-in session on a scope: 'public' route is served from the shared entry", async () => {
    const cookie = await login('carol');
    const miss = await ctx.http().get('/auth/public-news').expect(200);
    const hit = await ctx.http().get('/auth/public-news').set('Cookie', cookie).expect(200);
    expectXCache(miss, 'MISS');
    expectXCache(hit, 'HIT', miss);
    expect(calls.publicNews).toBe(1);
  });

  it('a request carrying only unrelated cookies still HITs a public @Cached() route', async () => {
    const cookie = '_ga=123; consent=yes';
    const miss = await ctx.http().get('/auth/news').set('Cookie', cookie).expect(200);
    const hit = await ctx.http().get('/auth/news').set('Cookie', cookie).expect(200);
    expectXCache(miss, 'MISS');
    expectXCache(hit, 'HIT', miss);
    expect(hit.body.token).toBe(miss.body.token);
    expect(calls.news).toBe(1);
  });
});

describe.each(PLATFORMS)("identityCookies: ['sid'], on %s", (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, IdentityCookieModule)));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('a request carrying cookie sid bypasses a route without scope', async () => {
    const a = await ctx.http().get('/ic/page?a').set('Cookie', 'sid=alice-session').expect(200);
    const b = await ctx
      .http()
      .get('/ic/page?a')
      .set('Cookie', '_ga=1; sid=bob-session')
      .expect(200);
    expectXCache(a, 'BYPASS');
    expectXCache(b, 'BYPASS');
    expect(b.body.cookie).toBe('_ga=1; sid=bob-session');
    expect(calls.page).toBe(2);
    // and it did not write the shared entry either
    const anon = await ctx.http().get('/ic/page?a').expect(200);
    expect(anon.body.cookie).toBeNull();
  });

  it('requests with unrelated cookies only are served from the shared entry', async () => {
    const miss = await ctx.http().get('/ic/page?b').set('Cookie', '_ga=123; consent=yes');
    const hit = await ctx.http().get('/ic/page?b').set('Cookie', '_ga=123; consent=yes');
    expectXCache(miss, 'MISS');
    expectXCache(hit, 'HIT', miss);
    expect(calls.page).toBe(1);
  });

  it("the same cookie on a route with scope: 'public' caches", async () => {
    const miss = await ctx.http().get('/ic/public').set('Cookie', 'sid=alice-session');
    const hit = await ctx.http().get('/ic/public').set('Cookie', 'sid=bob-session');
    expectXCache(miss, 'MISS');
    expectXCache(hit, 'HIT', miss);
    expect(calls.public).toBe(1);
  });
});
