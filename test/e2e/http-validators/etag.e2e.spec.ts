import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, expectXCache, SafeApp } from '../helpers/safety';
import { calls, reset, validatorsModule } from './validators.app';

describe.each(PLATFORMS)('ETag computed once, on %s', (platform: Platform) => {
  let ctx: SafeApp;
  /** Express's own ETag function, wrapped to count its calls. */
  let expressHashes = 0;
  /** Express's own ETag function, as the app had it. */
  let expressEtag: (body: Buffer, encoding?: BufferEncoding) => string;
  beforeAll(async () => {
    ctx = await bootSafe(platform, validatorsModule(), {
      configure: (app) => {
        if (platform !== 'express') return;
        const instance = app.getHttpAdapter().getInstance();
        const own = instance.get('etag fn');
        expressEtag = own;
        instance.set('etag fn', (body: Buffer, encoding: BufferEncoding) => {
          expressHashes++;
          return own(body, encoding);
        });
      },
    });
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('a weak ETag is sent on the MISS that stored the entry, and the same one on every HIT', async () => {
    const miss = await ctx.http().get('/v/plain/1').expect(200);
    expectXCache(miss, 'MISS');
    expect(miss.headers.etag).toMatch(/^W\/"[0-9a-f]+-[\w-]{27}"$/);
    for (let i = 0; i < 3; i++) {
      const hit = await ctx.http().get('/v/plain/1').expect(200);
      expectXCache(hit, 'HIT');
      expect(hit.headers.etag).toBe(miss.headers.etag);
    }
    expect(calls['plain:1']).toBe(1);
  });

  if (platform === 'express') {
    it('Express never hashes a hit body (its `etag fn` runs on misses only)', async () => {
      const before = expressHashes;
      const miss = await ctx.http().get('/v/plain/hash').expect(200);
      expectXCache(miss, 'MISS');
      expect(miss.headers.etag).toMatch(/^W\/"[0-9a-f]+-[\w-]{27}"$/);
      const afterMiss = expressHashes;
      expect(afterMiss).toBeGreaterThan(before);
      for (let i = 0; i < 5; i++) await ctx.http().get('/v/plain/hash').expect(200);
      await ctx.http().get('/v/plain/hash').set('If-None-Match', '"other"').expect(200);
      expect(expressHashes).toBe(afterMiss);
    });

    it("a status the route does not store keeps Express's own ETag of its body", async () => {
      const before = expressHashes;
      const res = await ctx.http().get('/v/unstored').expect(201);
      expectXCache(res, 'MISS');
      expect(res.headers.etag).toBe(expressEtag(Buffer.from(res.text)));
      expect(expressHashes).toBe(before + 1);
      expect(calls['unstored']).toBe(1);
      const again = await ctx.http().get('/v/unstored').expect(201);
      expectXCache(again, 'MISS');
      expect(again.headers.etag).toBe(res.headers.etag);
    });
  }

  it('two bodies get two ETags; one body under another URL gets the same ETag', async () => {
    const a = await ctx.http().get('/v/plain/a').expect(200);
    const b = await ctx.http().get('/v/plain/b').expect(200);
    const again = await ctx.http().get('/v/plain/a?x=1').expect(200);
    expect(a.headers.etag).not.toBe(b.headers.etag);
    expect(again.headers.etag).toBe(a.headers.etag);
  });

  it("etag: 'strong' sends a strong validator; etag: false sends none, not even the framework's", async () => {
    const strong = await ctx.http().get('/v/strong').expect(200);
    expect(strong.headers.etag).toMatch(/^"[0-9a-f]+-[\w-]{27}"$/);
    expect((await ctx.http().get('/v/strong')).headers.etag).toBe(strong.headers.etag);
    const none = await ctx.http().get('/v/no-etag').expect(200);
    const noneHit = await ctx.http().get('/v/no-etag').expect(200);
    expectXCache(noneHit, 'HIT');
    expect([none.headers.etag, noneHit.headers.etag]).toEqual([undefined, undefined]);
  });

  it("a handler's own ETag is stored, replayed and compared as it is", async () => {
    const miss = await ctx.http().get('/v/own-etag').expect(200);
    const hit = await ctx.http().get('/v/own-etag').expect(200);
    expect([miss.headers.etag, hit.headers.etag]).toEqual(['"v42"', '"v42"']);
    const nm = await ctx.http().get('/v/own-etag').set('If-None-Match', 'W/"v42"');
    expect(nm.status).toBe(304);
    const declared = await ctx.http().get('/v/declared-etag').expect(200);
    const declaredHit = await ctx.http().get('/v/declared-etag').set('If-None-Match', '"declared"');
    expect([declared.headers.etag, declaredHit.status]).toEqual(['W/"declared"', 304]);
    expect(calls['own-etag']).toBe(1);
  });

  it('the module option turns it off everywhere; a route can turn it back on', async () => {
    const off = await bootSafe(platform, validatorsModule({ etag: false }));
    try {
      const miss = await off.http().get('/v/plain/1').expect(200);
      const hit = await off.http().get('/v/plain/1').expect(200);
      expect([miss.headers.etag, hit.headers.etag]).toEqual([undefined, undefined]);
      expect((await off.http().get('/v/strong')).headers.etag).toMatch(/^"/);
    } finally {
      await off.app.close();
    }
  });
});
