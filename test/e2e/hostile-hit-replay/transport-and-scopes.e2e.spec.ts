import {
  ArgumentsHost,
  CallHandler,
  Catch,
  Controller,
  ExceptionFilter,
  ExecutionContext,
  Get,
  Injectable,
  Module,
  NestInterceptor,
  Scope,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import compression from 'compression';
import fastifyCompress from '@fastify/compress';
import { map, tap } from 'rxjs';
import { Cached, CacheModule } from 'nestjs-cached';
import { Platform, PLATFORMS } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';
import { listen, rawRequest } from '../hostile-transport/raw-client';

/**
 * Hostile: standard hits (send taken over alone, headers put straight on the response) behind
 * compression, a per-request Fastify `onSend` hook and reply decorators, and a
 * request-scoped global interceptor that maps the value and stamps a header after the hit.
 */
const { calls, count, reset } = counters();
const BIG = { items: Array.from({ length: 200 }, (_, i) => ({ i, name: `item number ${i}` })) };
const BIG_TEXT = JSON.stringify(BIG);

@Controller('t')
class TransportController {
  @Get('big')
  @Cached()
  big() {
    count('big');
    return BIG;
  }

  @Get('small')
  @Cached()
  small() {
    count('small');
    return { small: true };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [TransportController] })
class TransportModule {}

const setups: Record<Platform, Parameters<typeof bootSafe>[2]> = {
  express: {
    configure: (app) => {
      app.use(compression());
      app.use((_req: any, res: any, next: () => void) => {
        res.locals.requestId = `${Math.random()}`;
        next();
      });
    },
  },
  fastify: {
    configure: async (app) => {
      await (app as any).register(fastifyCompress as any, { threshold: 1024 });
      const fastify = app.getHttpAdapter().getInstance();
      fastify.decorateReply('stampedBy', null);
      fastify.addHook('onRequest', async (_req: any, reply: any) => {
        reply.stampedBy = 'hook';
      });
    },
  },
};

describe.each(PLATFORMS)('standard hits behind compression (%s, hostile)', (platform) => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    reset();
    ctx = await bootSafe(platform, TransportModule, setups[platform]);
    port = await listen(ctx.app.getHttpServer());
  });
  afterAll(() => ctx.app.close());

  it('gzip for clients that ask, identity for the others, the miss bytes each time', async () => {
    const miss = await rawRequest(port, '/t/big', { 'accept-encoding': 'gzip' });
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(miss.body.toString()).toBe(BIG_TEXT);
    for (let i = 0; i < 2; i++) {
      const plain = await rawRequest(port, '/t/big');
      expect(plain.headers['x-cache']).toBe('HIT');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.wire.toString()).toBe(BIG_TEXT);
      expect(plain.headers['content-length']).toBe(String(Buffer.byteLength(BIG_TEXT)));
      const gz = await rawRequest(port, '/t/big', { 'accept-encoding': 'gzip' });
      expect(gz.headers['x-cache']).toBe('HIT');
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.body.toString()).toBe(BIG_TEXT);
      expect(gz.headers.etag).toBe(miss.headers.etag);
      expect(String(gz.headers.vary)).toMatch(/accept-encoding/i);
    }
    expect(calls.big).toBe(1);
  });
});

@Module({ imports: [CacheModule.forRoot()], controllers: [TransportController] })
class HookedModule {}

describe('standard hits through a per-request onSend hook (fastify, hostile)', () => {
  let ctx: SafeApp;
  beforeAll(async () => {
    reset();
    ctx = await bootSafe('fastify', HookedModule, {
      configure: (app) => {
        const fastify = app.getHttpAdapter().getInstance();
        let n = 0;
        fastify.addHook('onSend', async (_req: any, reply: any, payload: unknown) => {
          reply.header('X-Send-Seq', String(++n));
          return payload;
        });
      },
    });
  });
  afterAll(() => ctx.app.close());

  it('the hook runs once per hit, with the stored headers and bytes around it', async () => {
    const miss = await ctx.http().get('/t/small');
    expectXCache(miss, 'MISS');
    expect(miss.text).toBe('{"small":true}');
    for (let i = 0; i < 3; i++) {
      const hit = await ctx.http().get('/t/small');
      expectXCache(hit, 'HIT', miss);
      expect(hit.text).toBe(miss.text);
      expect(hit.headers['content-length']).toBe(miss.headers['content-length']);
      expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
      expect(Number(hit.headers['x-send-seq'])).toBe(Number(miss.headers['x-send-seq']) + i + 1);
    }
    expect(calls.small).toBe(1);
  });
});

// A testing-module app gets its adapter after the cache's providers are built: the cache must
// still hook Fastify before the hooks the app adds next, or a body-rewriting hook would run before
// the cache records the body and again on every hit.
describe('a body-rewriting onSend hook added before init (fastify, testing module)', () => {
  let ctx: SafeApp;
  beforeAll(async () => {
    reset();
    ctx = await bootSafe('fastify', HookedModule, {
      configure: (app) => {
        const fastify = app.getHttpAdapter().getInstance();
        fastify.addHook('onSend', async (_req: any, _reply: any, payload: unknown) =>
          typeof payload === 'string' ? payload.replace('true', 'true ') : payload,
        );
      },
    });
  });
  afterAll(() => ctx.app.close());

  it('runs once on the miss and once on each hit: the hit sends the miss’s bytes', async () => {
    const miss = await ctx.http().get('/t/small');
    expectXCache(miss, 'MISS');
    expect(miss.text).toBe('{"small":true }');
    for (let i = 0; i < 3; i++) {
      const hit = await ctx.http().get('/t/small');
      expectXCache(hit, 'HIT', miss);
      expect(hit.text).toBe(miss.text);
    }
    expect(calls.small).toBe(1);
  });
});

/** A request-scoped global interceptor: an envelope, and a per-request header after the value. */
let scopedSeq = 0;

@Injectable({ scope: Scope.REQUEST })
class ScopedEnvelope implements NestInterceptor {
  private readonly id = ++scopedSeq;
  intercept(ctx: ExecutionContext, next: CallHandler) {
    const res = ctx.switchToHttp().getResponse();
    return next.handle().pipe(
      map((data) => ({ data })),
      tap(() => {
        if (typeof res.header === 'function') res.header('X-Scoped', String(this.id));
        else res.setHeader('X-Scoped', String(this.id));
      }),
    );
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [TransportController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: ScopedEnvelope }],
})
class ScopedModule {}

describe.each(PLATFORMS)('standard hits under a request-scoped interceptor (%s, hostile)', (p) => {
  let ctx: SafeApp;
  beforeAll(async () => {
    reset();
    ctx = await bootSafe(p, ScopedModule);
  });
  afterAll(() => ctx.app.close());

  it("hits send the enveloped bytes of the miss and keep each request's own stamp", async () => {
    const miss = await ctx.http().get('/t/small');
    expectXCache(miss, 'MISS');
    expect(JSON.parse(miss.text)).toEqual({ data: { small: true } });
    const stamps = new Set([miss.headers['x-scoped']]);
    for (let i = 0; i < 3; i++) {
      const hit = await ctx.http().get('/t/small');
      expectXCache(hit, 'HIT', miss);
      expect(hit.text).toBe(miss.text);
      expect(hit.headers['content-length']).toBe(miss.headers['content-length']);
      stamps.add(hit.headers['x-scoped']);
    }
    expect(stamps.size).toBe(4);
    expect(calls.small).toBe(1);
  });
});

/** An interceptor that fails after a hit on demand, and a filter answering errors with 200. */
let failNext = false;

@Injectable()
class FailOnDemand implements NestInterceptor {
  intercept(_ctx: ExecutionContext, next: CallHandler) {
    return next.handle().pipe(
      tap(() => {
        if (failNext) {
          failNext = false;
          throw new Error('post-processing failed');
        }
      }),
    );
  }
}

@Catch()
class SoftErrorFilter implements ExceptionFilter {
  catch(_error: unknown, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse();
    if (typeof res.code === 'function' && typeof res.hijack === 'function') {
      res.code(500).header('content-type', 'application/json').send({ soft: 'error' });
    } else {
      res.status(500).json({ soft: 'error' });
    }
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [TransportController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: FailOnDemand }],
})
class FilteredModule {}

describe.each(PLATFORMS)('an exception filter after a hit (%s, hostile)', (p) => {
  let ctx: SafeApp;
  beforeAll(async () => {
    reset();
    ctx = await bootSafe(p, FilteredModule, {
      configure: (app) => app.useGlobalFilters(new SoftErrorFilter()),
    });
  });
  afterAll(() => ctx.app.close());

  it("the filter's error reaches the client, and the next hit is the stored response", async () => {
    const miss = await ctx.http().get('/t/small');
    expectXCache(miss, 'MISS');
    failNext = true;
    const failed = await ctx.http().get('/t/small');
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.text)).toEqual({ soft: 'error' });
    const hit = await ctx.http().get('/t/small');
    expectXCache(hit, 'HIT', miss);
    expect(hit.status).toBe(200);
    expect(hit.text).toBe(miss.text);
    expect(calls.small).toBe(1);
  });
});
