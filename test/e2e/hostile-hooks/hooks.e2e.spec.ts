import {
  ArgumentsHost,
  Catch,
  Controller,
  ExceptionFilter,
  Get,
  HttpException,
  Module,
  NotFoundException,
  Param,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Hostile: per-request headers from middleware and Fastify hooks, and a global exception filter.
 */
const { calls, count, reset } = counters();
let seq = 0;

@Catch()
class FormattingFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost) {
    const res: any = host.switchToHttp().getResponse();
    const status = error instanceof HttpException ? error.getStatus() : 500;
    const body = { ok: false, status, at: 'formatted' };
    if (typeof res.code === 'function' && res.raw) res.code(status).send(body);
    else res.status(status).json(body);
  }
}

@Controller('h')
class HooksController {
  @Get('plain')
  @Cached()
  plain() {
    count('plain');
    return { n: calls.plain };
  }

  @Get('missing/:id')
  @Cached()
  missing(@Param('id') id: string) {
    count('missing');
    throw new NotFoundException(`no ${id}`);
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [HooksController],
  providers: [{ provide: APP_FILTER, useClass: FormattingFilter }],
})
class HooksModule {}

describe.each(PLATFORMS)('hostile: per-request headers and filters on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe(platform, HooksModule, {
        configure: (app, p) => {
          // middleware (Express) / onRequest hook (Fastify): before the handler
          if (p === 'express') {
            app.use((_req: any, res: any, next: () => void) => {
              res.setHeader('X-Request-Id', `mw-${++seq}`);
              next();
            });
          } else {
            const fastify = app.getHttpAdapter().getInstance();
            fastify.addHook('onRequest', async (_req: any, reply: any) => {
              reply.header('X-Request-Id', `mw-${++seq}`);
            });
            // onSend: after the handler, per request (a trace / server-timing header)
            fastify.addHook('onSend', async (_req: any, reply: any, payload: unknown) => {
              reply.header('X-Trace-Id', `trace-${++seq}`);
              return payload;
            });
          }
        },
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it("a per-request id set before the handler is never the miss's on a hit", async () => {
    const miss = await ctx.http().get('/h/plain').expect(200);
    const hit = await ctx.http().get('/h/plain').expect(200);
    expectXCache(hit, 'HIT', miss);
    expect(hit.headers['x-request-id']).toMatch(/^mw-\d+$/);
    expect(hit.headers['x-request-id']).not.toBe(miss.headers['x-request-id']);
  });

  if (platform === 'fastify') {
    it("a per-request header an onSend hook sets is this request's on a hit, not the miss's", async () => {
      const miss = await ctx.http().get('/h/plain?trace=1').expect(200);
      const hit = await ctx.http().get('/h/plain?trace=1').expect(200);
      expectXCache(hit, 'HIT', miss);
      expect(miss.headers['x-trace-id']).toMatch(/^trace-\d+$/);
      // Either the hook runs again (own value) or the header is absent; never the miss's value.
      expect(hit.headers['x-trace-id']).not.toBe(miss.headers['x-trace-id']);
    });
  }

  it('NotFoundException through a formatting filter: not stored, handler runs each time, same formatted 404', async () => {
    const a = await ctx.http().get('/h/missing/7').expect(404);
    const b = await ctx.http().get('/h/missing/7').expect(404);
    expect(a.body).toEqual({ ok: false, status: 404, at: 'formatted' });
    expect(b.body).toEqual(a.body);
    expect(b.headers['x-cache']).not.toBe('HIT');
    expect(calls.missing).toBe(2);
  });

  it('concurrent misses whose handler throws: every request gets the formatted 404, none hangs', async () => {
    const all = await Promise.all(
      Array.from({ length: 10 }, () => ctx.http().get('/h/missing/8').timeout(5000)),
    );
    expect(all.map((r) => r.status)).toEqual(Array(10).fill(404));
    expect(all.every((r) => r.body.at === 'formatted')).toBe(true);
  });
});
