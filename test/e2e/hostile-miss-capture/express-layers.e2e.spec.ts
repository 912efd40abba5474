import compression from 'compression';
import express from 'express';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeEtag } from '../../../lib/http/validators/etag';
import {
  bootSafe,
  expectSameResponse,
  expectXCache,
  SafeApp,
  stableHeaders,
} from '../helpers/safety';
import { listen, rawRequest, RawResponse } from '../hostile-transport/raw-client';
import { calls, HELD, MissCaptureModule, reset } from './miss-capture.app';
import { expectNoHeld, expectAsStock } from './expectations';

/** `on-headers` (what compression and sessions use): a listener run just before the head goes out. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const onHeaders: (res: http.ServerResponse, listener: () => void) => void = require('on-headers');

/**
 * Hostile: layers an Express app puts around the miss capture (own-property wrappers before it,
 * header hooks, `res.json` overrides, static files, a patched `http.ServerResponse.prototype`,
 * the app's `etag` setting). The placeholder ETag never shows; a stored MISS and its HIT match; a
 * response the cache does not store is what Express alone sends (`?stock`).
 */
type Res = { status: number; text: string; headers: Record<string, unknown> };

const raw = (res: RawResponse): Res => ({
  status: res.status,
  text: res.body.toString('utf8'),
  headers: res.headers as Record<string, unknown>,
});

describe('hostile miss capture: Express compression() before the cache', () => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    ctx = await bootSafe('express', MissCaptureModule, {
      configure: (app) => app.use(compression({ threshold: 0 })),
    });
    port = await listen(ctx.app.getHttpServer());
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('gzip MISS and gzip HIT: same ETag (the cache one) and bytes, never the placeholder', async () => {
    const gzip = { 'accept-encoding': 'gzip' };
    const miss = raw(await rawRequest(port, '/m/long', gzip));
    const hit = raw(await rawRequest(port, '/m/long', gzip));
    expectNoHeld(miss, hit);
    expect(miss.headers['content-encoding']).toBe('gzip');
    expectXCache(hit, 'HIT', miss);
    expect(hit.text).toBe(miss.text);
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(miss.headers.etag).toBe(
      computeEtag(200, miss.headers['content-type'], Buffer.from(miss.text), 'weak'),
    );
  });

  it('a status not stored, gzip: exactly what Express and compression send alone', async () => {
    const gzip = { 'accept-encoding': 'gzip' };
    const stock = raw(await rawRequest(port, '/m/unstored?stock', gzip));
    const miss = raw(await rawRequest(port, '/m/unstored', gzip));
    expectNoHeld(stock, miss);
    expectAsStock(stock, miss);
  });
});

describe('hostile miss capture: own-property wrappers, on-headers hooks, helmet-like headers', () => {
  let ctx: SafeApp;
  /** The ETag each response had when its head went out, as an on-headers hook saw it. */
  const seen: unknown[] = [];
  /** Bytes a hand-written own-property wrapper saw go out, per response. */
  const wrapped: string[] = [];
  beforeAll(async () => {
    ctx = await bootSafe('express', MissCaptureModule, {
      configure: (app) => {
        app.use((_req: unknown, res: http.ServerResponse, next: () => void) => {
          // helmet-like: plain headers before the handler
          res.setHeader('X-Frame-Options', 'SAMEORIGIN');
          res.setHeader('X-Content-Type-Options', 'nosniff');
          next();
        });
        app.use(
          (req: { query?: Record<string, string> }, res: http.ServerResponse, next: () => void) => {
            onHeaders(res, function (this: http.ServerResponse) {
              seen.push(this.getHeader('etag'));
              if (req.query?.cookie !== undefined) this.setHeader('Set-Cookie', 'late=1');
            });
            next();
          },
        );
        app.use((_req: unknown, res: any, next: () => void) => {
          // A hand-written layer that wraps the three methods as own properties of the response.
          const pieces: Buffer[] = [];
          const { writeHead, write, end } = res;
          res.writeHead = function (...args: unknown[]) {
            this.setHeader('X-Wrapped', 'yes');
            return writeHead.apply(this, args);
          };
          res.write = function (chunk: any, ...rest: unknown[]) {
            if (chunk) pieces.push(Buffer.from(chunk));
            return write.call(this, chunk, ...rest);
          };
          res.end = function (chunk: any, ...rest: unknown[]) {
            if (chunk && typeof chunk !== 'function') pieces.push(Buffer.from(chunk));
            wrapped.push(Buffer.concat(pieces).toString('utf8'));
            return end.call(this, chunk, ...rest);
          };
          next();
        });
      },
    });
  });
  afterAll(() => ctx.app.close());
  beforeEach(() => {
    reset();
    seen.length = 0;
    wrapped.length = 0;
  });

  it('MISS and HIT alike; hooks see the cache ETag at head time, never the placeholder', async () => {
    const miss = await ctx.http().get('/m/plain');
    const hit = await ctx.http().get('/m/plain');
    expectNoHeld(miss, hit);
    expectXCache(hit, 'HIT', miss);
    expectSameResponse(miss, hit);
    expect(miss.headers['x-wrapped']).toBe('yes');
    expect(miss.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(seen).toEqual([miss.headers.etag, miss.headers.etag]);
    expect(wrapped).toEqual([miss.text, miss.text]);
  });

  it('a status not stored: exactly what Express sends alone, hooks included', async () => {
    const stock = await ctx.http().get('/m/unstored?stock');
    const miss = await ctx.http().get('/m/unstored');
    expectNoHeld(stock, miss);
    expectAsStock(stock, miss);
    expect(seen).toEqual([stock.headers.etag, miss.headers.etag]);
  });

  it('a Set-Cookie added when the head goes out: sent, never stored', async () => {
    const miss = await ctx.http().get('/m/plain?cookie');
    expect(miss.headers['set-cookie']).toEqual(['late=1']);
    const again = await ctx.http().get('/m/plain?cookie');
    expectNoHeld(miss, again);
    expectXCache(again, 'MISS');
    expect(again.headers['set-cookie']).toEqual(['late=1']);
    expect(calls.plain).toBe(2);
  });
});

describe('hostile miss capture: res.json overridden to send binary Buffers (Express 5 res.send)', () => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    ctx = await bootSafe('express', MissCaptureModule, {
      configure: (app) =>
        app.use((_req: unknown, res: any, next: () => void) => {
          res.json = function (value: unknown) {
            this.setHeader('Content-Type', 'application/octet-stream');
            // Not UTF-8: a 0xff 0x00 prefix before the JSON bytes.
            return this.send(
              Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from(JSON.stringify(value))]),
            );
          };
          next();
        }),
    });
    port = await listen(ctx.app.getHttpServer());
  });
  afterAll(() => ctx.app.close());

  it('stored: MISS and HIT alike (bytes), the cache ETag over the bytes', async () => {
    const miss = await rawRequest(port, '/m/plain');
    const hit = await rawRequest(port, '/m/plain');
    expectNoHeld(miss, hit);
    expectXCache(hit, 'HIT', miss);
    expect(miss.body[0]).toBe(0xff);
    expect(hit.body.equals(miss.body)).toBe(true);
    expect(stableHeaders(hit)).toEqual(stableHeaders(miss));
    expect(miss.headers.etag).toBe(
      computeEtag(200, miss.headers['content-type'], miss.body, 'weak'),
    );
  });

  it('not stored: exactly what Express sends alone', async () => {
    const stock = await rawRequest(port, '/m/unstored?stock');
    const miss = await rawRequest(port, '/m/unstored');
    expectNoHeld(stock, miss);
    expect(stableHeaders(miss)).toEqual(stableHeaders(stock));
    expect(miss.body.equals(stock.body)).toBe(true);
  });
});

describe('hostile miss capture: express.static before Nest', () => {
  let ctx: SafeApp;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostile-miss-static-'));
    writeFileSync(join(dir, 'file.txt'), 'static bytes');
    ctx = await bootSafe('express', MissCaptureModule, {
      configure: (app) => app.use('/static', express.static(dir)),
    });
  });
  afterAll(() => ctx.app.close());

  it('static files keep their own ETag; the cached route next to them is unaffected', async () => {
    const file = await ctx.http().get('/static/file.txt');
    const miss = await ctx.http().get('/m/plain');
    const file2 = await ctx.http().get('/static/file.txt');
    const hit = await ctx.http().get('/m/plain');
    expectNoHeld(file, miss, file2, hit);
    expect(file.headers.etag).toMatch(/^W\/"c-/);
    expect(file2.headers.etag).toBe(file.headers.etag);
    expectSameResponse(miss, hit);
  });
});

describe.each([
  ['false', false],
  ['strong', 'strong'],
  ['a custom function', (body: Buffer) => `"custom-${body.length}"`],
])('hostile miss capture: app.set("etag", %s)', (_name, setting) => {
  let ctx: SafeApp;
  beforeAll(async () => {
    ctx = await bootSafe('express', MissCaptureModule, {
      configure: (app) => app.getHttpAdapter().getInstance().set('etag', setting),
    });
  });
  afterAll(() => ctx.app.close());

  it('stored: the cache ETag, MISS and HIT alike', async () => {
    const miss = await ctx.http().get('/m/plain');
    const hit = await ctx.http().get('/m/plain');
    expectNoHeld(miss, hit);
    expectSameResponse(miss, hit);
    expect(miss.headers.etag).toBe(
      computeEtag(200, miss.headers['content-type'], Buffer.from(miss.text), 'weak'),
    );
  });

  it("not stored: the app's own setting, exactly as Express alone", async () => {
    const stock = await ctx.http().get('/m/long-unstored?stock');
    const miss = await ctx.http().get('/m/long-unstored');
    expectNoHeld(stock, miss);
    expectAsStock(stock, miss);
    if (setting === false) expect(miss.headers.etag).toBeUndefined();
  });
});

describe('hostile miss capture: an app that patches http.ServerResponse.prototype', () => {
  let ctx: SafeApp;
  const proto = http.ServerResponse.prototype as any;
  const { writeHead, end } = proto;
  let ends = 0;
  beforeAll(async () => {
    ctx = await bootSafe('express', MissCaptureModule);
    // One miss first: the capture's prototype over Express's exists before the patch.
    await ctx.http().get('/m/plain?before-patch');
    proto.writeHead = function (...args: unknown[]) {
      if (!this.headersSent) this.setHeader('X-Patched', String(this.getHeader('etag')));
      return writeHead.apply(this, args);
    };
    proto.end = function (...args: unknown[]) {
      ends++;
      return end.apply(this, args);
    };
  });
  afterAll(async () => {
    proto.writeHead = writeHead;
    proto.end = end;
    await ctx.app.close();
  });

  it('the patch runs on MISS and HIT; it sees the cache ETag, never the placeholder', async () => {
    ends = 0;
    const miss = await ctx.http().get('/m/plain?patched');
    const hit = await ctx.http().get('/m/plain?patched');
    expectNoHeld(miss, hit);
    expectXCache(hit, 'HIT', miss);
    expectSameResponse(miss, hit);
    expect(miss.headers['x-patched']).toBe(miss.headers.etag);
    expect(ends).toBeGreaterThanOrEqual(2);
  });

  it('a status not stored: exactly what Express sends alone', async () => {
    const stock = await ctx.http().get('/m/unstored?stock');
    const miss = await ctx.http().get('/m/unstored');
    expectNoHeld(stock, miss);
    expectAsStock(stock, miss);
    expect(miss.headers['x-patched']).toBe(stock.headers.etag);
  });
});

describe('hostile miss capture: the response after the miss is a plain response again', () => {
  let ctx: SafeApp;
  /** What later calls on each response did, once it finished. */
  const after: Record<string, unknown>[] = [];
  beforeAll(async () => {
    ctx = await bootSafe('express', MissCaptureModule, {
      configure: (app) =>
        app.use((_req: unknown, res: any, next: () => void) => {
          res.on('finish', () => {
            const outcome: Record<string, unknown> = {};
            try {
              res.setHeader('X-Late', '1');
            } catch (error) {
              outcome.setHeader = (error as { code?: string }).code;
            }
            try {
              res.writeHead(200);
            } catch (error) {
              outcome.writeHead = (error as { code?: string }).code;
            }
            res.on('error', () => undefined);
            res.write('late', (error: { code?: string } | undefined) => {
              outcome.write = error?.code;
            });
            outcome.end = res.end() === res;
            setImmediate(() => after.push(outcome));
          });
          next();
        }),
    });
  });
  afterAll(() => ctx.app.close());

  it('writeHead / write / end after the miss behave as on a response the cache never touched', async () => {
    await ctx.http().get('/m/unstored?stock');
    await ctx.http().get('/m/plain?reuse');
    await ctx.http().get('/m/plain?reuse');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(after).toHaveLength(3);
    expect(after[1]).toEqual(after[0]);
    expect(after[2]).toEqual(after[0]);
    // Still the cache's entry, unchanged by the late calls.
    const hit = await ctx.http().get('/m/plain?reuse');
    expectXCache(hit, 'HIT');
    expect(JSON.parse(hit.text)).toEqual({ plain: true, text: 'ééé' });
  });
});

describe('hostile miss capture: res.json overridden to end through http.ServerResponse.prototype', () => {
  let ctx: SafeApp;
  beforeAll(async () => {
    ctx = await bootSafe('express', MissCaptureModule, {
      configure: (app) =>
        app.use((_req: unknown, res: any, next: () => void) => {
          res.json = function (value: unknown) {
            this.setHeader('Content-Type', 'application/json');
            // Past every wrapper and prototype in between: Node.js's own end.
            const end = http.ServerResponse.prototype.end as (
              this: unknown,
              chunk: string,
            ) => unknown;
            return end.call(this, JSON.stringify(value));
          };
          next();
        }),
    });
  });
  afterAll(() => ctx.app.close());

  it('the placeholder never goes out; nothing is stored from a response the capture did not see end', async () => {
    const stock = await ctx.http().get('/m/plain?stock');
    const miss = await ctx.http().get('/m/plain');
    const again = await ctx.http().get('/m/plain');
    expectNoHeld(stock, miss, again);
    expect(miss.text).toBe(stock.text);
    expect(again.text).toBe(stock.text);
    if (again.headers['x-cache'] === 'HIT') expectSameResponse(miss, again);
  });
});

describe.each(['the response', 'app.response'])(
  'hostile miss capture: res.json overridden on %s, reading the ETag before res.send',
  (where) => {
    let ctx: SafeApp;
    beforeAll(async () => {
      ctx = await bootSafe('express', MissCaptureModule, {
        configure: (app) => {
          // An envelope that names the version it carries: app code between the handler and
          // Express's res.send, which must not see anything the cache puts there for itself.
          function json(this: any, value: unknown) {
            const version = this.get('ETag') ?? null;
            this.setHeader('X-Version', String(version));
            return this.send(JSON.stringify({ version, value }));
          }
          if (where === 'app.response') {
            app.getHttpAdapter().getInstance().response.json = json;
          } else {
            app.use((_req: unknown, res: any, next: () => void) => {
              res.json = json;
              next();
            });
          }
        },
      });
    });
    afterAll(() => ctx.app.close());

    it('MISS and HIT send what Express alone sends (bar the ETag), never the placeholder', async () => {
      const stock = await ctx.http().get('/m/plain?stock');
      const miss = await ctx.http().get('/m/plain');
      const hit = await ctx.http().get('/m/plain');
      expectNoHeld(stock, miss, hit);
      expect(miss.text).not.toContain(HELD);
      expect(hit.text).not.toContain(HELD);
      expect(miss.text).toBe(stock.text);
      expect(miss.headers['x-version']).toBe(stock.headers['x-version']);
      expectXCache(hit, 'HIT', miss);
      expectSameResponse(miss, hit);
    });

    it('a status not stored: exactly what Express sends alone', async () => {
      const stock = await ctx.http().get('/m/unstored?stock');
      const miss = await ctx.http().get('/m/unstored');
      expectNoHeld(stock, miss);
      expectAsStock(stock, miss);
    });
  },
);
