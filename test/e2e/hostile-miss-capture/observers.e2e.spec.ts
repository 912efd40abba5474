import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { map, Observable, tap } from 'rxjs';
import {
  bootSafe,
  expectSameResponse,
  expectXCache,
  SafeApp,
  stableHeaders,
} from '../helpers/safety';
import { HELD, MissCaptureModule, reset } from './miss-capture.app';

/**
 * Hostile: app code that looks at the response between the handler and `res.send`: a global
 * interceptor outside the cache's that copies the ETag it finds (after the value came out) into a
 * header and into the body. It must find what Express alone would have (none), never the cache's
 * placeholder; MISS and HIT alike.
 */
@Injectable()
class VersionInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const res = ctx.switchToHttp().getResponse();
    return next.handle().pipe(
      tap(() => res.setHeader('X-Seen-Etag', String(res.getHeader('etag') ?? 'none'))),
      map((value) => ({ seen: res.getHeader('etag') ?? null, value })),
    );
  }
}

function expectNoHeld(...responses: { text: string; headers: Record<string, unknown> }[]) {
  for (const res of responses) {
    expect(JSON.stringify(res.headers)).not.toContain(HELD);
    expect(res.text).not.toContain(HELD);
  }
}

describe('hostile miss capture: a global interceptor reading the ETag after the handler', () => {
  let ctx: SafeApp;
  beforeAll(async () => {
    ctx = await bootSafe('express', MissCaptureModule, {
      configure: (app) => app.useGlobalInterceptors(new VersionInterceptor()),
    });
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('sees what it sees without the cache; MISS and HIT alike', async () => {
    const stock = await ctx.http().get('/m/plain?stock');
    const miss = await ctx.http().get('/m/plain');
    const hit = await ctx.http().get('/m/plain');
    expectNoHeld(stock, miss, hit);
    expect(miss.headers['x-seen-etag']).toBe(stock.headers['x-seen-etag']);
    expect(miss.text).toBe(stock.text);
    expectXCache(hit, 'HIT', miss);
    expectSameResponse(miss, hit);
  });

  it('a status not stored: exactly what Express sends alone', async () => {
    const stock = await ctx.http().get('/m/unstored?stock');
    const miss = await ctx.http().get('/m/unstored');
    expectNoHeld(stock, miss);
    expect(miss.text).toBe(stock.text);
    expect(stableHeaders(miss)).toEqual(stableHeaders(stock));
  });
});
