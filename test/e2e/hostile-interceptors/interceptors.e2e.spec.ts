import {
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  InternalServerErrorException,
  Module,
  NestInterceptor,
  RequestTimeoutException,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { catchError, map, tap, throwError, timeout, TimeoutError } from 'rxjs';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Hostile: global interceptors around a cached route. An outer interceptor that fails on a hit,
 * one that stamps a per-request header after the value, and Nest's documented timeout recipe.
 */
const { calls, count, reset } = counters();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let failNext = false;
let seq = 0;

/** Throws after the route's value came out, when the test asks it to (e.g. a post-processing bug). */
@Injectable()
class FailingInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler) {
    const url: string = ctx.switchToHttp().getRequest().url;
    return next.handle().pipe(
      map((value) => {
        if (url.startsWith('/i/fail') && failNext) {
          failNext = false;
          throw new InternalServerErrorException('post-processing failed');
        }
        return value;
      }),
    );
  }
}

/** Stamps a per-request header once the value is there (X-Response-Time / X-Request-Id style). */
@Injectable()
class StampInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler) {
    const res = ctx.switchToHttp().getResponse();
    const id = `req-${++seq}`;
    return next.handle().pipe(tap(() => res.header('X-Request-Stamp', id)));
  }
}

/** The timeout interceptor from Nest's documentation. */
@Injectable()
class TimeoutInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler) {
    const url: string = ctx.switchToHttp().getRequest().url;
    if (!url.startsWith('/i/slow')) return next.handle();
    return next.handle().pipe(
      timeout(150),
      catchError((err) =>
        err instanceof TimeoutError
          ? throwError(() => new RequestTimeoutException())
          : throwError(() => err),
      ),
    );
  }
}

let slowFirst = true;

@Controller('i')
class InterceptedController {
  @Get('fail')
  @Cached()
  fail() {
    count('fail');
    return { n: calls.fail };
  }

  @Get('stamp')
  @Cached()
  stamp() {
    count('stamp');
    return { n: calls.stamp };
  }

  @Get('slow')
  @Cached()
  async slow() {
    count('slow');
    if (slowFirst) {
      slowFirst = false;
      await sleep(400);
    }
    return { n: calls.slow };
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [InterceptedController],
  providers: [
    { provide: APP_INTERCEPTOR, useClass: TimeoutInterceptor },
    { provide: APP_INTERCEPTOR, useClass: FailingInterceptor },
    { provide: APP_INTERCEPTOR, useClass: StampInterceptor },
  ],
})
class InterceptedModule {}

describe.each(PLATFORMS)('hostile: outer interceptors on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => {
    slowFirst = true;
    ctx = await bootSafe(platform, InterceptedModule);
  });
  afterAll(() => ctx.app.close());
  beforeEach(() => {
    reset();
    failNext = false;
  });

  it('an outer interceptor that throws on a HIT yields its error (500), not the cached 200', async () => {
    const miss = await ctx.http().get('/i/fail').expect(200);
    expectXCache(miss, 'MISS');
    failNext = true;
    const hit = await ctx.http().get('/i/fail');
    // Uncached, this request gets a 500 from the exception filter.
    expect({ status: hit.status, body: hit.body }).toEqual({
      status: 500,
      body: expect.objectContaining({ statusCode: 500, message: 'post-processing failed' }),
    });
    // and the entry is still good afterwards
    const again = await ctx.http().get('/i/fail').expect(200);
    expectXCache(again, 'HIT');
    expect(again.text).toBe(miss.text);
  });

  it("a per-request header an outer interceptor sets after the value is this request's on a HIT", async () => {
    const miss = await ctx.http().get('/i/stamp').expect(200);
    const hit = await ctx.http().get('/i/stamp').expect(200);
    expectXCache(hit, 'HIT', miss);
    expect(miss.headers['x-request-stamp']).toMatch(/^req-\d+$/);
    expect(hit.headers['x-request-stamp']).toMatch(/^req-\d+$/);
    // each response must carry its own stamp, not the miss's
    expect(hit.headers['x-request-stamp']).not.toBe(miss.headers['x-request-stamp']);
  });

  it('a miss that a timeout interceptor answered with 408 does not hold up the next request', async () => {
    const first = await ctx.http().get('/i/slow');
    expect(first.status).toBe(408);
    await sleep(500); // the slow handler has finished by now
    const started = Date.now();
    // Uncached, this request is fast (the handler no longer sleeps) and gets a 200.
    const second = await ctx.http().get('/i/slow').timeout(4000);
    expect(second.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
