import { Controller, Get, Header, Module, Req } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, SafeApp } from '../helpers/safety';

/**
 * Hostile: helmet-style CSP nonces. Middleware (Express) / an onRequest hook (Fastify) makes a
 * nonce per request, puts it in `Content-Security-Policy` and hands it to the page. Headers set
 * before the handler are not stored (each hit gets its own), but the body is: a hit's header
 * nonce no longer matches the nonce in the page, and the browser blocks the page's scripts.
 */
const { count, reset } = counters();

@Controller('csp')
class CspController {
  @Get('page')
  @Cached()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(@Req() req: any) {
    count('page');
    const nonce = req.cspNonce ?? req.raw?.cspNonce;
    return `<html><script nonce="${nonce}">boot()</script></html>`;
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [CspController] })
class CspModule {}

function setNonce(req: any, setHeader: (name: string, value: string) => void) {
  const nonce = randomBytes(8).toString('hex');
  req.cspNonce = nonce;
  setHeader('Content-Security-Policy', `script-src 'nonce-${nonce}'`);
}

describe.each(PLATFORMS)('hostile: CSP nonce on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe(platform, CspModule, {
        configure: (app, p) => {
          if (p === 'express') {
            app.use((req: any, res: any, next: () => void) => {
              setNonce(req, (n, v) => res.setHeader(n, v));
              next();
            });
          } else {
            app
              .getHttpAdapter()
              .getInstance()
              .addHook('onRequest', async (req: any, reply: any) => {
                setNonce(req, (n, v) => reply.header(n, v));
              });
          }
        },
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  const nonces = (res: any) => ({
    header: /nonce-([0-9a-f]+)/.exec(String(res.headers['content-security-policy']))?.[1],
    body: /nonce="([0-9a-f]+)"/.exec(res.text)?.[1],
  });

  it('every response (hits included) has the same nonce in its CSP header and in its page', async () => {
    const miss = await ctx.http().get('/csp/page').expect(200);
    const hit = await ctx.http().get('/csp/page').expect(200);
    const m = nonces(miss);
    expect(m.header).toBe(m.body);
    const h = nonces(hit);
    expect({ xCache: hit.headers['x-cache'], match: h.header === h.body }).toEqual({
      xCache: hit.headers['x-cache'],
      match: true,
    });
  });
});
