import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, expectXCache, SafeApp } from '../helpers/safety';
import { calls, reset, validatorsModule } from './validators.app';

describe.each(PLATFORMS)('If-None-Match / If-Modified-Since on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, validatorsModule())));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('a matching If-None-Match on a HIT is a 304 without body or Content-*, keeping the cache headers', async () => {
    const miss = await ctx.http().get('/v/extra').expect(200);
    const nm = await ctx.http().get('/v/extra').set('If-None-Match', miss.headers.etag);
    expect(nm.status).toBe(304);
    expect(nm.text ?? '').toBe('');
    expectXCache(nm, 'HIT');
    expect(nm.headers).toMatchObject({
      etag: miss.headers.etag,
      expires: 'Thu, 01 Jan 2037 00:00:00 GMT',
      'content-location': '/v/extra',
    });
    expect(nm.headers.age).toMatch(/^\d+$/);
    for (const name of ['content-type', 'content-length', 'content-language']) {
      expect(nm.headers[name]).toBeUndefined();
    }
    expect(calls.extra).toBe(1);
  });

  it('lists, *, weak comparison; a non-matching tag gets the full 200', async () => {
    const { headers, text } = await ctx.http().get('/v/plain/list').expect(200);
    const bare = headers.etag.replace(/^W\//, '');
    const ask = (inm: string) => ctx.http().get('/v/plain/list').set('If-None-Match', inm);
    expect((await ask(`"a", ${bare}, "b,c"`)).status).toBe(304);
    expect((await ask(`W/${bare}`)).status).toBe(304);
    expect((await ask('*')).status).toBe(304);
    const other = await ask('"a", "b,c"');
    expect([other.status, other.text]).toEqual([200, text]);
  });

  it('on a MISS, compared after the handler: 304, and the entry is stored all the same', async () => {
    const { headers } = await ctx.http().get('/v/plain/warm').expect(200);
    // same body under another key: the cold request already holds its ETag
    const cold = await ctx.http().get('/v/plain/warm?cold=1').set('If-None-Match', headers.etag);
    expect(cold.status).toBe(304);
    expectXCache(cold, 'MISS');
    expect(cold.headers.etag).toBe(headers.etag);
    expect(cold.headers.age).toBeUndefined();
    expect(cold.headers['content-type']).toBeUndefined();
    const full = await ctx.http().get('/v/plain/warm?cold=1').expect(200);
    expectXCache(full, 'HIT');
    expect(full.body).toEqual({ id: 'warm', text: 'hello' });
    expect(full.headers['content-type']).toMatch(/^application\/json/);
    expect(calls['plain:warm']).toBe(2);
  });

  it('never a 304 for a stored non-2xx; 2xx other than 200 is fine', async () => {
    const missing = await ctx.http().get('/v/missing').expect(404);
    expect(missing.headers.etag).toBeDefined();
    const again = await ctx.http().get('/v/missing').set('If-None-Match', missing.headers.etag);
    expect(again.status).toBe(404);
    expectXCache(again, 'HIT');
    const created = await ctx.http().get('/v/created').expect(203);
    const nm = await ctx.http().get('/v/created').set('If-None-Match', created.headers.etag);
    expect(nm.status).toBe(304);
  });

  it('HEAD is answered from the GET entry, conditionally too', async () => {
    const { headers } = await ctx.http().get('/v/plain/head').expect(200);
    const head = await ctx.http().head('/v/plain/head').expect(200);
    expect(head.headers.etag).toBe(headers.etag);
    const nm = await ctx.http().head('/v/plain/head').set('If-None-Match', headers.etag);
    expect(nm.status).toBe(304);
  });

  it('a request that says Cache-Control: no-cache gets the full body (an end-to-end reload)', async () => {
    const { headers, text } = await ctx.http().get('/v/plain/reload').expect(200);
    const forced = await ctx
      .http()
      .get('/v/plain/reload')
      .set('If-None-Match', headers.etag)
      .set('Cache-Control', 'no-cache');
    expect([forced.status, forced.text]).toEqual([200, text]);
  });

  it('Last-Modified is the creation time; If-Modified-Since counts only without If-None-Match', async () => {
    const miss = await ctx.http().get('/v/modified').expect(200);
    const lastModified = miss.headers['last-modified'];
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);
    const hit = await ctx.http().get('/v/modified').expect(200);
    expect(hit.headers['last-modified']).toBe(lastModified);
    const ims = await ctx.http().get('/v/modified').set('If-Modified-Since', lastModified);
    expect(ims.status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await ctx.http().get('/v/modified').set('If-Modified-Since', earlier)).status).toBe(
      200,
    );
    const both = await ctx
      .http()
      .get('/v/modified')
      .set('If-Modified-Since', lastModified)
      .set('If-None-Match', '"not-it"');
    expect(both.status).toBe(200);
    // without lastModified, no Last-Modified and If-Modified-Since is ignored
    const plain = await ctx.http().get('/v/plain/ims').expect(200);
    expect(plain.headers['last-modified']).toBeUndefined();
    const far = new Date(Date.now() + 86_400_000).toUTCString();
    expect((await ctx.http().get('/v/plain/ims').set('If-Modified-Since', far)).status).toBe(200);
    expect(calls.modified).toBe(1);
  });

  it('Age: whole seconds on HIT and 304, never on MISS', async () => {
    const miss = await ctx.http().get('/v/plain/age').expect(200);
    expect(miss.headers.age).toBeUndefined();
    const hit = await ctx.http().get('/v/plain/age').expect(200);
    expect(hit.headers.age).toMatch(/^\d+$/);
    expect(Number(hit.headers.age)).toBeLessThan(10);
  });
});
