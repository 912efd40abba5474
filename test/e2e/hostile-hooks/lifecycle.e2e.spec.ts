import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  Module,
  UseGuards,
} from '@nestjs/common';
import fastifyCookie from '@fastify/cookie';
import { randomUUID } from 'node:crypto';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Hostile: what the app does around a response, per request, after the handler. A visitor cookie
 * issued late (express: at writeHead; fastify: onSend) to clients that have none, and Fastify's
 * onResponse hook (metrics / access logs).
 */
const { count, reset } = counters();
let finished = 0;

/** Issues a consent/visitor cookie to clients that have none, before the handler (guards run on hits). */
@Injectable()
class ConsentGuard implements CanActivate {
  canActivate(ctx: ExecutionContext) {
    const req = ctx.switchToHttp().getRequest();
    const res = ctx.switchToHttp().getResponse();
    const cookie = req.headers.cookie ?? '';
    if (!/consent=/.test(cookie)) {
      if (typeof res.setCookie === 'function') res.setCookie('consent', 'pending', { path: '/' });
      else res.cookie('consent', 'pending', { path: '/' });
    }
    return true;
  }
}

@Controller('life')
class LifeController {
  @Get('guarded')
  @UseGuards(ConsentGuard)
  @Cached()
  guarded() {
    count('guarded');
    return { hello: 'guarded' };
  }

  @Get('page')
  @Cached()
  page() {
    count('page');
    return { hello: 'world' };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [LifeController] })
class LifeModule {}

describe.each(PLATFORMS)('hostile: late per-request work on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe(platform, LifeModule, {
        configure: async (app, p) => {
          if (p === 'express') {
            app.use((req: any, res: any, next: () => void) => {
              const writeHead = res.writeHead;
              res.writeHead = function (...args: unknown[]) {
                if (!/visitor=/.test(req.headers.cookie ?? ''))
                  res.setHeader('Set-Cookie', `visitor=${randomUUID()}; Path=/`);
                return writeHead.apply(this, args);
              };
              res.on('finish', () => finished++);
              next();
            });
          } else {
            await app.register(fastifyCookie);
            const fastify = app.getHttpAdapter().getInstance();
            fastify.addHook('onSend', async (req: any, reply: any, payload: unknown) => {
              if (!req.cookies?.visitor) reply.setCookie('visitor', randomUUID(), { path: '/' });
              return payload;
            });
            fastify.addHook('onResponse', async () => {
              finished++;
            });
          }
        },
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(() => {
    reset();
    finished = 0;
  });

  it("a returning visitor stores the page; a new visitor's HIT still issues its own visitor cookie", async () => {
    const returning = await ctx.http().get('/life/page').set('Cookie', 'visitor=old').expect(200);
    expect(returning.headers['set-cookie']).toBeUndefined();
    const fresh = await ctx.http().get('/life/page').expect(200);
    expectXCache(fresh, 'HIT', returning);
    // Uncached, this client gets `visitor=<uuid>`.
    expect(String(fresh.headers['set-cookie'] ?? '')).toMatch(/^visitor=[0-9a-f-]{36}/);
  });

  it('a cookie a guard sets (before the handler) on a HIT reaches the client', async () => {
    const returning = await ctx
      .http()
      .get('/life/guarded')
      .set('Cookie', 'visitor=old; consent=yes')
      .expect(200);
    expect(returning.headers['set-cookie']).toBeUndefined();
    const fresh = await ctx.http().get('/life/guarded').set('Cookie', 'visitor=old').expect(200);
    expectXCache(fresh, 'HIT', returning);
    expect(String(fresh.headers['set-cookie'] ?? '')).toMatch(/consent=pending/);
  });

  it('every response, hits included, completes the app lifecycle (onResponse / finish)', async () => {
    await ctx.http().get('/life/page?l=1').set('Cookie', 'visitor=old').expect(200);
    await ctx.http().get('/life/page?l=1').set('Cookie', 'visitor=old').expect(200);
    await ctx.http().get('/life/page?l=1').set('Cookie', 'visitor=old').expect(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(finished).toBe(3);
  });
});
