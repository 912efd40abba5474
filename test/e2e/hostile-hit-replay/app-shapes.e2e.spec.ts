import {
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  Header,
  HttpCode,
  Injectable,
  Module,
  NestInterceptor,
  Redirect,
  Res,
  Version,
  VersioningType,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { map, tap } from 'rxjs';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS } from '../helpers/platforms';
import { bootSafe, counters, expectSameResponse, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Hostile: a standard hit of a route no interceptor wraps takes over `send` only and writes
 * headers straight onto the response. Apps that override senders per request, set headers in
 * middleware, hooks and handlers, version routes, redirect, and ask with HEAD and validators.
 */
const { calls, count, reset } = counters();

@Controller('shapes')
class ShapesController {
  @Get('plain')
  @Cached()
  plain() {
    count('plain');
    return { n: 1, text: 'ünïcødé ✓' };
  }

  @Get('text')
  @Cached()
  text() {
    count('text');
    return 'just text';
  }

  @Get('decorated')
  @Cached()
  @HttpCode(203)
  @Header('Cache-Control', 'public, max-age=30')
  @Header('X-Route', 'decorated')
  decorated() {
    count('decorated');
    return { decorated: true };
  }

  @Get('passthrough')
  @Cached()
  passthrough(@Res({ passthrough: true }) res: any) {
    count('passthrough');
    const set = typeof res.header === 'function' ? res.header.bind(res) : res.setHeader.bind(res);
    set('X-Handler', `run-${calls.passthrough}`);
    res.status(202);
    return { passthrough: true };
  }

  @Get('redirect')
  @Cached({ vary: ['accept'] })
  @Redirect('/shapes/plain', 301)
  redirect() {
    count('redirect');
    // Not `undefined`: a handler's undefined is never stored; `{}` keeps the static target.
    return {};
  }

  @Get('dynamic-redirect')
  @Cached({ vary: ['accept'] })
  @Redirect()
  dynamicRedirect() {
    count('dynamicRedirect');
    return { url: '/shapes/text', statusCode: 307 };
  }

  @Get('versioned')
  @Cached()
  @Version('1')
  v1() {
    count('v1');
    return { version: 1 };
  }

  @Get('versioned')
  @Cached()
  @Version('2')
  v2() {
    count('v2');
    return { version: 2 };
  }
}

@Module({
  imports: [CacheModule.forRoot({ statuses: [200, 202, 203, 301, 307] })],
  controllers: [ShapesController],
})
class ShapesModule {}

/** Middleware that overrides `res.json` / `res.send` per request (an envelope, a stamp). */
function overridingMiddleware(req: any, res: any, next: () => void) {
  const json = res.json;
  const send = res.send;
  if (typeof json === 'function') {
    res.json = function (body: unknown) {
      this.setHeader('X-Json-Wrapped', 'yes');
      return json.call(this, { wrapped: body });
    };
  }
  if (typeof send === 'function' && req.url.includes('/shapes/text')) {
    res.send = function (body: unknown) {
      this.setHeader('X-Send-Wrapped', 'yes');
      return send.call(this, typeof body === 'string' ? `[${body}]` : body);
    };
  }
  next();
}

describe.each(PLATFORMS)('hit replay on %s, against app shapes (hostile)', (platform) => {
  let safe: SafeApp;
  beforeAll(async () => {
    reset();
    safe = await bootSafe(platform, ShapesModule, {
      configure: (app) => {
        app.enableVersioning({ type: VersioningType.URI });
        if (platform === 'express') {
          app.use(overridingMiddleware);
          app.use((req: any, res: any, next: () => void) => {
            res.setHeader('X-Per-Request', 'mw');
            res.setHeader('Vary', 'Origin');
            next();
          });
        } else {
          const fastify = app.getHttpAdapter().getInstance();
          fastify.addHook('onRequest', async (_req: any, reply: any) => {
            reply.header('X-Per-Request', 'hook');
            reply.header('Vary', 'Origin');
          });
          fastify.addHook('onSend', async (_req: any, reply: any, payload: unknown) => {
            reply.header('X-On-Send', 'yes');
            return payload;
          });
        }
      },
    });
  });
  afterAll(() => safe.app.close());

  /** Miss, then three hits: each the same status, headers and bytes as the miss. */
  async function missThenHits(path: string, name: string, headers: Record<string, string> = {}) {
    const ask = () => {
      const r = safe.http().get(path);
      for (const [k, v] of Object.entries(headers)) r.set(k, v);
      return r.redirects(0);
    };
    const miss = await ask();
    expectXCache(miss, 'MISS');
    for (let i = 0; i < 3; i++) {
      const hit = await ask();
      expectXCache(hit, 'HIT', miss);
      expectSameResponse(miss, hit);
    }
    expect(calls[name]).toBe(1);
    return miss;
  }

  it('a plain JSON route (only send taken over), with middleware overriding res.json', async () => {
    const miss = await missThenHits('/shapes/plain', 'plain');
    expect(miss.headers['x-per-request']).toBeDefined();
  });

  it('a text route whose res.send middleware rewrites the body', async () => {
    await missThenHits('/shapes/text', 'text');
  });

  it("@HttpCode and @Header (the route's own Cache-Control)", async () => {
    const miss = await missThenHits('/shapes/decorated', 'decorated');
    expect(miss.status).toBe(203);
    expect(miss.headers['cache-control']).toBe('public, max-age=30');
  });

  it('a handler setting headers and status through @Res({ passthrough: true })', async () => {
    const miss = await missThenHits('/shapes/passthrough', 'passthrough');
    expect(miss.status).toBe(202);
    expect(miss.headers['x-handler']).toBe('run-1');
    expect(String(miss.headers.vary)).toMatch(/Origin/i);
  });

  it('@Redirect, static and dynamic', async () => {
    const a = await missThenHits('/shapes/redirect', 'redirect');
    expect(a.status).toBe(301);
    expect(a.headers.location).toBe('/shapes/plain');
    const b = await missThenHits('/shapes/dynamic-redirect', 'dynamicRedirect');
    expect(b.status).toBe(307);
    expect(b.headers.location).toBe('/shapes/text');
  });

  it('two versions of one path are two entries, each hit its own', async () => {
    const one = await missThenHits('/v1/shapes/versioned', 'v1');
    const two = await missThenHits('/v2/shapes/versioned', 'v2');
    expect(one.text).toContain('"version":1');
    expect(two.text).toContain('"version":2');
  });

  it("HEAD after GET: the hit's headers, no body; a 304 keeps no Content-* header", async () => {
    const get = await safe.http().get('/shapes/plain');
    expectXCache(get, 'HIT');
    const head = await safe.http().head('/shapes/plain');
    expectXCache(head, 'HIT');
    expect(head.status).toBe(200);
    expect(head.text ?? '').toBe('');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers.etag).toBe(get.headers.etag);
    const notModified = await safe
      .http()
      .get('/shapes/plain')
      .set('If-None-Match', get.headers.etag);
    expect(notModified.status).toBe(304);
    expect(notModified.text ?? '').toBe('');
    expect(notModified.headers.etag).toBe(get.headers.etag);
    expect(notModified.headers['content-type']).toBeUndefined();
    expect(notModified.headers['content-length']).toBeUndefined();
    const again = await safe.http().get('/shapes/plain');
    expectSameResponse(get, again);
  });
});

/** Global interceptors that map the value and set headers after a hit. */
let stamp = 0;

@Injectable()
class EnvelopeInterceptor implements NestInterceptor {
  intercept(_ctx: ExecutionContext, next: CallHandler) {
    return next.handle().pipe(map((data) => ({ data, envelope: true })));
  }
}

@Injectable()
class LateHeaderInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler) {
    const res = ctx.switchToHttp().getResponse();
    const id = `stamp-${++stamp}`;
    return next.handle().pipe(
      tap(() => {
        if (typeof res.header === 'function') res.header('X-Late', id);
        else res.setHeader('X-Late', id);
      }),
    );
  }
}

@Controller('globals')
class GlobalsController {
  @Get('value')
  @Cached()
  value() {
    count('globals');
    return { inner: [1, 2, 3] };
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [GlobalsController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: LateHeaderInterceptor }],
})
class GlobalsModule {}

describe.each(PLATFORMS)('hit replay on %s under global interceptors (hostile)', (platform) => {
  let safe: SafeApp;
  beforeAll(async () => {
    reset();
    safe = await bootSafe(platform, GlobalsModule, {
      configure: (app) => app.useGlobalInterceptors(new EnvelopeInterceptor()),
    });
  });
  afterAll(() => safe.app.close());

  it('the enveloped bytes of the miss, and a fresh late header per request', async () => {
    const miss = await safe.http().get('/globals/value');
    expectXCache(miss, 'MISS');
    expect(JSON.parse(miss.text)).toEqual({ data: { inner: [1, 2, 3] }, envelope: true });
    const stamps = new Set([miss.headers['x-late']]);
    for (let i = 0; i < 3; i++) {
      const hit = await safe.http().get('/globals/value');
      expectXCache(hit, 'HIT', miss);
      expect(hit.status).toBe(miss.status);
      expect(hit.text).toBe(miss.text);
      expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
      expect(hit.headers['content-length']).toBe(miss.headers['content-length']);
      expect(hit.headers.etag).toBe(miss.headers.etag);
      stamps.add(hit.headers['x-late']);
    }
    expect(stamps.size).toBe(4);
    expect(calls.globals).toBe(1);
  });
});
