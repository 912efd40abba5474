import http from 'node:http';
import { sleep, within } from '../helpers/deferred';
import { PLATFORMS, Platform } from '../helpers/platforms';
import {
  bootSafe,
  expectSameResponse,
  expectXCache,
  SafeApp,
  stableHeaders,
} from '../helpers/safety';
import { listen } from '../hostile-transport/raw-client';
import { calls, closeGate, MissCaptureModule, reset } from './miss-capture.app';
import { expectNoHeld } from './expectations';

/**
 * Hostile: concurrent misses (single-flight joiners replay the leader's response) and clients
 * that go away mid-miss, on both platforms. The placeholder ETag never shows; joiners get the
 * leader's ETag and bytes; an aborted miss stores nothing.
 */
/** A GET that the client abandons after `ms`. */
function abandon(port: number, path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path });
    req.on('error', () => resolve());
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}

describe.each(PLATFORMS)('hostile miss capture: flights on %s', (platform: Platform) => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    ctx = await bootSafe(platform, MissCaptureModule);
    port = await listen(ctx.app.getHttpServer());
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('6 concurrent misses: one handler run, every response the same ETag and bytes', async () => {
    const open = closeGate();
    const pending = Array.from({ length: 6 }, () => ctx.http().get('/m/slow?n=1'));
    const all = Promise.all(pending.map((r) => r.then((res) => res)));
    await sleep(30);
    open();
    const responses = await within(all, 5000, 'the concurrent misses');
    expectNoHeld(...responses);
    expect(calls.slow).toBe(1);
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(res.text).toBe(responses[0].text);
      expect(stableHeaders(res)).toEqual(stableHeaders(responses[0]));
    }
    const hit = await ctx.http().get('/m/slow?n=1');
    expectXCache(hit, 'HIT');
    expectSameResponse(responses[0], hit);
  });

  it('concurrent misses of a status not stored: each runs its own, all alike, no placeholder', async () => {
    const open = closeGate();
    const all = Promise.all(
      Array.from({ length: 4 }, () =>
        ctx
          .http()
          .get('/m/slow-unstored?n=2')
          .then((r) => r),
      ),
    );
    await sleep(30);
    open();
    const responses = await within(all, 5000, 'the concurrent misses');
    expectNoHeld(...responses);
    for (const res of responses) {
      expect(res.status).toBe(201);
      expect(stableHeaders(res)).toEqual(stableHeaders(responses[0]));
    }
    const stock = await ctx.http().get('/m/slow-unstored?stock');
    expect(responses[0].headers.etag).toBe(stock.headers.etag);
  });

  it('a client that goes away mid-miss: nothing stored, a joiner and the next request are whole', async () => {
    const open = closeGate();
    const gone = abandon(port, '/m/slow?n=3', 20);
    await sleep(5);
    const joiner = ctx
      .http()
      .get('/m/slow?n=3')
      .then((r) => r);
    await gone;
    await sleep(10);
    open();
    const waited = await within(joiner, 5000, 'the joiner');
    expectNoHeld(waited);
    expect(waited.status).toBe(200);
    expect(JSON.parse(waited.text).slow).toBe(true);
    const next = await ctx.http().get('/m/slow?n=3');
    const hit = await ctx.http().get('/m/slow?n=3');
    expectNoHeld(next, hit);
    expectXCache(hit, 'HIT', next);
    expectSameResponse(next, hit);
    expect(hit.headers.etag).toBe(waited.headers.etag);
  });
});
