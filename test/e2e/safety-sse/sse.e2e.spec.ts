import { Controller, MessageEvent, Module, Sse } from '@nestjs/common';
import http from 'http';
import { AddressInfo } from 'net';
import { interval, map, Observable, of } from 'rxjs';
import { Cached, CacheConfigError, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, SafeApp } from '../helpers/safety';

/**
 * Issue #7, case 10: an `@Sse()` handler under a class-level `@Cached()` streams normally, every
 * time; a method-level `@Cached()` on an `@Sse()` handler is a configuration error.
 */
const { calls, count, reset } = counters();

@Controller('stream')
@Cached()
class StreamController {
  @Sse('events')
  events(): Observable<MessageEvent> {
    count('events');
    return of({ data: 'first' }, { data: 'second' });
  }

  @Sse('ticks')
  ticks(): Observable<MessageEvent> {
    count('ticks');
    return interval(50).pipe(map((i) => ({ data: `tick-${i}` })));
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [StreamController] })
class StreamModule {}

@Controller('bad-stream')
class MethodLevelSseController {
  @Sse('events')
  @Cached()
  events(): Observable<MessageEvent> {
    return of({ data: 'x' });
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [MethodLevelSseController] })
class MethodLevelSseModule {}

/** Opens an SSE request and resolves with the text received once it contains `until`. */
function readUntil(
  port: number,
  path: string,
  until: string,
  timeoutMs: number,
): { done: Promise<{ headers: http.IncomingHttpHeaders; text: string }>; destroy: () => void } {
  let req: http.ClientRequest | undefined;
  const done = new Promise<{ headers: http.IncomingHttpHeaders; text: string }>(
    (resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no '${until}' from ${path} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req = http.get({ host: '127.0.0.1', port, path }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes(until)) {
            clearTimeout(timer);
            resolve({ headers: res.headers, text });
          }
        });
        res.on('error', () => undefined);
      });
      req.on('error', () => undefined);
    },
  );
  return { done, destroy: () => req?.destroy() };
}

describe.each(PLATFORMS)('SSE under a class-level @Cached(), on %s', (platform: Platform) => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    ctx = await bootSafe(platform, StreamModule);
    await ctx.app.listen(0, '127.0.0.1');
    port = (ctx.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('a completing stream delivers all its events, on the first and the second request', async () => {
    for (const attempt of [1, 2]) {
      const res = await ctx.http().get('/stream/events').buffer(true);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(res.text).toContain('data: first');
      expect(res.text).toContain('data: second');
      expect(res.headers['x-cache']).not.toBe('HIT');
      expect(calls.events).toBe(attempt);
    }
  });

  it('an endless stream delivers its first event to a second, concurrent client within 2 s', async () => {
    const first = readUntil(port, '/stream/ticks', 'data: tick-0', 2000);
    try {
      const a = await first.done;
      expect(a.headers['content-type']).toMatch(/^text\/event-stream/);
      const second = readUntil(port, '/stream/ticks', 'data: tick-0', 2000);
      try {
        const b = await second.done;
        expect(b.headers['content-type']).toMatch(/^text\/event-stream/);
        expect(calls.ticks).toBe(2);
      } finally {
        second.destroy();
      }
    } finally {
      first.destroy();
    }
  });
});

describe.each(PLATFORMS)('method-level @Cached() on an @Sse() handler, on %s', (platform) => {
  it('makes app.init() reject with a CacheConfigError', async () => {
    let error: unknown;
    let ctx: SafeApp | undefined;
    try {
      ctx = await bootSafe(platform, MethodLevelSseModule);
    } catch (e) {
      error = e;
    } finally {
      await ctx?.app.close();
    }
    expect(error).toBeDefined();
    expect((error as Error).name).toBe('CacheConfigError');
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toMatch(/MethodLevelSseController/);
  });
});
