import { computeEtag } from '../../../lib/http/validators/etag';
import {
  bootSafe,
  expectSameResponse,
  expectXCache,
  SafeApp,
  stableHeaders,
} from '../helpers/safety';
import { calls, expressViews, MissCaptureModule, reset } from './miss-capture.app';
import { expectNoHeld, expectAsStock } from './expectations';

/**
 * Hostile: the placeholder ETag an Express miss carries while the handler's value goes out
 * (`holdFrameworkEtag`). Every route is asked three ways: `?stock` (the cache stays out: what
 * Express alone sends), then a MISS and a second request. A stored response's MISS and HIT are the
 * same and carry the cache's ETag; a response that is not stored is exactly what Express sends.
 */

describe('hostile miss capture: the held ETag on Express', () => {
  let ctx: SafeApp;
  let etagFn: (body: Buffer, encoding?: BufferEncoding) => string;
  beforeAll(async () => {
    ctx = await bootSafe('express', MissCaptureModule, {
      configure: (app) => {
        expressViews(app);
        etagFn = app.getHttpAdapter().getInstance().get('etag fn');
      },
    });
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  const get = (path: string) => ctx.http().get(path).redirects(0);

  /** stock, miss, then a second request of `path` (`path` must not have `?` already). */
  async function threeWays(path: string, query = '') {
    const stock = await get(`${path}?stock${query && '&' + query}`);
    const miss = await get(`${path}${query && '?' + query}`);
    const again = await get(`${path}${query && '?' + query}`);
    expectNoHeld(stock, miss, again);
    return { stock, miss, again };
  }

  it('a stored 200: MISS and HIT alike, with the cache ETag, never the placeholder', async () => {
    const { miss, again } = await threeWays('/m/plain');
    expectXCache(miss, 'MISS');
    expectXCache(again, 'HIT', miss);
    expect(miss.headers.etag).toBe(
      computeEtag(200, miss.headers['content-type'], Buffer.from(miss.text), 'weak'),
    );
    expectSameResponse(miss, again);
    expect(calls.plain).toBe(2);
  });

  it('a status the route does not store (201): exactly what Express sends', async () => {
    const { stock, miss, again } = await threeWays('/m/unstored');
    expectAsStock(stock, miss);
    expectXCache(again, 'MISS');
    expect(miss.headers.etag).toBe(etagFn(Buffer.from(miss.text)));
  });

  it('a string of 1400 characters, 2 and 3 bytes each, not stored (203): Express ETag', async () => {
    const { stock, miss } = await threeWays('/m/long-unstored');
    expectAsStock(stock, miss);
  });

  it('a string of 1400 multi-byte characters, stored: MISS and HIT alike', async () => {
    const { miss, again } = await threeWays('/m/long');
    expectXCache(again, 'HIT', miss);
    expectSameResponse(miss, again);
    expect(miss.text).toBe('ü€'.repeat(700));
  });

  it('@HttpCode(205): exactly what Express sends', async () => {
    const { stock, miss } = await threeWays('/m/code205');
    expectAsStock(stock, miss);
  });

  it('@HttpCode(204) with a null value: exactly what Express sends (no ETag)', async () => {
    const { stock, miss } = await threeWays('/m/null204');
    expectAsStock(stock, miss);
    expect(miss.headers.etag).toBeUndefined();
  });

  it('@HttpCode(204) with a body value: exactly what Express sends', async () => {
    const { stock, miss } = await threeWays('/m/code/204');
    expectAsStock(stock, miss);
  });

  it('res.json throws after the handler (BigInt): the default 500 is what Express sends', async () => {
    const { stock, miss } = await threeWays('/m/default-filter');
    expect(miss.status).toBe(500);
    expectAsStock(stock, miss);
  });

  it.each(['500', '404', 'buffer'])(
    'a filter answering %s after the handler: exactly what Express sends',
    async (mode) => {
      const { stock, miss } = await threeWays('/m/after-filter', `mode=${mode}`);
      expectAsStock(stock, miss);
    },
  );

  // Known difference (see the report of this suite): after the handler's value went out, a filter
  // answering 204/205/304 through res.json, or ending the response itself, gets the ETag the
  // capture makes over the bytes it ends with, where Express alone sends its tag of the dropped
  // body (204/205/304) or none (res.end). Status, body and every other header are Express's.
  it.each(['204', '205', '304', 'end'])(
    'a filter answering %s after the handler: exactly Express status, body and headers',
    async (mode) => {
      const { stock, miss } = await threeWays('/m/after-filter', `mode=${mode}`);
      expect({ status: miss.status, text: miss.text }).toEqual({
        status: stock.status,
        text: stock.text,
      });
      expect(stableHeaders(miss)).toEqual(stableHeaders(stock));
    },
  );

  it('a filter answering 200 after the handler: what went out is what a HIT replays', async () => {
    const { miss, again } = await threeWays('/m/after-filter', 'mode=ok');
    expect(miss.body).toEqual({ recovered: true });
    if (again.headers['x-cache'] === 'HIT') expectSameResponse(miss, again);
  });

  it('@Redirect with a dynamic url (302, not stored): exactly what Express sends', async () => {
    const { stock, miss } = await threeWays('/m/redirect');
    expect(miss.status).toBe(302);
    expect(miss.headers.location).toBe('/dynamic');
    expectAsStock(stock, miss);
  });

  it('@Render, stored: MISS and HIT alike, cache ETag', async () => {
    const { miss, again } = await threeWays('/m/render');
    expect(miss.text).toBe('Hello Zoë\n');
    expectXCache(again, 'HIT', miss);
    expectSameResponse(miss, again);
    expect(miss.headers.etag).toBe(
      computeEtag(200, miss.headers['content-type'], Buffer.from(miss.text), 'weak'),
    );
  });

  it('@Render with a status not stored (202): exactly what Express sends', async () => {
    const { stock, miss } = await threeWays('/m/render-unstored');
    expectAsStock(stock, miss);
  });

  it('@Render of a missing view (the error after the handler): exactly what Express sends', async () => {
    const { stock, miss } = await threeWays('/m/render-broken');
    expect(miss.status).toBe(500);
    expectAsStock(stock, miss);
  });

  it("@Res({ passthrough: true }) setting ETag: the handler's tag, MISS and HIT alike", async () => {
    const { miss, again } = await threeWays('/m/passthrough-etag');
    expect(miss.headers.etag).toBe('"mine"');
    expectXCache(again, 'HIT', miss);
    expectSameResponse(miss, again);
  });

  it("@Header('ETag'): the declared tag, MISS and HIT alike", async () => {
    const { miss, again } = await threeWays('/m/declared-etag');
    expect(miss.headers.etag).toBe('W/"declared"');
    expectXCache(again, 'HIT', miss);
    expectSameResponse(miss, again);
  });

  it('a handler that throws after setting headers: exactly what Express sends', async () => {
    const { stock, miss, again } = await threeWays('/m/throws-after-headers');
    expect(miss.status).toBe(400);
    expectAsStock(stock, miss);
    expectXCache(again, 'MISS');
  });

  it('@Res() (the handler sends): exactly what Express sends', async () => {
    const { stock, miss } = await threeWays('/m/own-res');
    expectAsStock(stock, miss);
  });

  it('Content-Encoding the handler declares: stored as sent, MISS and HIT alike', async () => {
    const { miss, again } = await threeWays('/m/encoded');
    expect(miss.headers['content-encoding']).toBe('x-test');
    expectXCache(again, 'HIT', miss);
    expectSameResponse(miss, again);
  });

  it('StreamableFile: exactly what Express sends, never stored', async () => {
    const { stock, miss, again } = await threeWays('/m/file');
    expectAsStock(stock, miss);
    expectXCache(again, 'MISS');
  });

  it('SSE: exactly what Express sends', async () => {
    const { stock, miss } = await threeWays('/sse/events');
    expect(miss.text).toBe(stock.text);
    expect(miss.headers['content-type']).toBe(stock.headers['content-type']);
    expect(miss.headers.etag).toBe(stock.headers.etag);
  });

  it('HEAD on a cold key: what Express sends, then a GET MISS stores the full response', async () => {
    const stock = await ctx.http().head('/m/plain?stock&h=1');
    const head = await ctx.http().head('/m/plain?h=1');
    expectNoHeld(stock, head);
    expect(head.headers.etag).toBe(stock.headers.etag);
    const miss = await get('/m/plain?h=1');
    const hit = await get('/m/plain?h=1');
    expectNoHeld(miss, hit);
    expectXCache(hit, 'HIT', miss);
    expectSameResponse(miss, hit);
  });

  it('If-None-Match: * and If-Modified-Since on a cold key: a 304 or the full body, never the placeholder', async () => {
    const inm = await get('/m/plain?c=1').set('If-None-Match', '*');
    const ims = await get('/m/plain?c=2').set('If-Modified-Since', new Date().toUTCString());
    const unstored = await get('/m/unstored?c=3').set('If-None-Match', '*');
    expectNoHeld(inm, ims, unstored);
    const hit = await get('/m/plain?c=1');
    const fresh = await get('/m/plain?c=3');
    expectXCache(hit, 'HIT');
    expectSameResponse(fresh, hit);
    expect(inm.headers.etag).toBe(hit.headers.etag);
  });

  it('a write Node.js refuses (a number), caught by the handler: the HIT is the bytes the MISS sent', async () => {
    const miss = await get('/m/swallowed-write');
    const hit = await get('/m/swallowed-write');
    expectNoHeld(miss, hit);
    expect(miss.body).toEqual({ after: 'a refused write' });
    expect(hit.text).toBe(miss.text);
    if (hit.headers['x-cache'] === 'HIT') expectSameResponse(miss, hit);
    expect(miss.headers.etag).toBe(
      computeEtag(200, miss.headers['content-type'], Buffer.from(miss.text), 'weak'),
    );
  });
});
