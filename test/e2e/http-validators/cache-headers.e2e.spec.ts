import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, expectXCache, SafeApp } from '../helpers/safety';
import { calls, reset, validatorsModule } from './validators.app';

describe.each(PLATFORMS)('Cache-Control and Vary emission on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, validatorsModule())));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('emits public, max-age, s-maxage, stale-while-revalidate, stale-if-error, immutable; never counted down', async () => {
    const miss = await ctx.http().get('/v/cc').expect(200);
    const want =
      'public, max-age=120, s-maxage=3600, stale-while-revalidate=30, stale-if-error=86400, immutable';
    expect(miss.headers['cache-control']).toBe(want);
    const hit = await ctx.http().get('/v/cc').expect(200);
    expectXCache(hit, 'HIT');
    expect(hit.headers['cache-control']).toBe(want);
    const nm = await ctx.http().get('/v/cc').set('If-None-Match', miss.headers.etag);
    expect([nm.status, nm.headers['cache-control']]).toEqual([304, want]);
    expect(calls.cc).toBe(1);
  });

  it('maxAge defaults to the ttl in whole seconds; a ttl under two seconds still stores', async () => {
    const miss = await ctx.http().get('/v/cc-default').expect(200);
    expect(miss.headers['cache-control']).toBe('public, max-age=1');
    expectXCache(await ctx.http().get('/v/cc-default'), 'HIT');
  });

  it("a handler's own Cache-Control is never overwritten", async () => {
    const miss = await ctx.http().get('/v/cc-own').expect(200);
    const hit = await ctx.http().get('/v/cc-own').expect(200);
    expectXCache(hit, 'HIT');
    expect([miss.headers['cache-control'], hit.headers['cache-control']]).toEqual([
      'public, max-age=7',
      'public, max-age=7',
    ]);
  });

  it("scope: 'user' answers carry private (no s-maxage), with or without cacheControl", async () => {
    const miss = await ctx.http().get('/v/mine').set('x-user', 'u1').expect(200);
    const hit = await ctx.http().get('/v/mine').set('x-user', 'u1').expect(200);
    expectXCache(hit, 'HIT');
    expect([miss.headers['cache-control'], hit.headers['cache-control']]).toEqual([
      'private',
      'private',
    ]);
    const cc = await ctx.http().get('/v/mine-cc').set('x-user', 'u1').expect(200);
    expect(cc.headers['cache-control']).toBe('private, max-age=60');
    expectXCache(await ctx.http().get('/v/mine-cc').set('x-user', 'u1'), 'HIT');
  });

  it('without cacheControl, shared entries send no Cache-Control', async () => {
    const miss = await ctx.http().get('/v/plain/nocc').expect(200);
    expect(miss.headers['cache-control']).toBeUndefined();
  });

  it("routes with vary send Vary, merged case-insensitively with the handler's own", async () => {
    const plain = await ctx.http().get('/v/plain/vary').expect(200);
    expect(plain.headers.vary).toBe('accept-language');
    const miss = await ctx.http().get('/v/vary-merge').expect(200);
    const hit = await ctx.http().get('/v/vary-merge').expect(200);
    expectXCache(hit, 'HIT');
    expect([miss.headers.vary, hit.headers.vary]).toEqual([
      'Accept-Language, x-tenant',
      'Accept-Language, x-tenant',
    ]);
    const nm = await ctx.http().get('/v/vary-merge').set('If-None-Match', miss.headers.etag);
    expect([nm.status, nm.headers.vary]).toEqual([304, 'Accept-Language, x-tenant']);
  });

  it('Vary: * wins the merge (and such a response is not stored)', async () => {
    const first = await ctx.http().get('/v/vary-star').expect(200);
    expect(first.headers.vary).toBe('*');
    expectXCache(await ctx.http().get('/v/vary-star'), 'MISS');
    expect(calls['vary-star']).toBe(2);
  });

  it.each(['no-cache', 'no-cache-fields', 'max-age-0', 's-maxage-0', 'surrogate'])(
    'a response that says %s is never stored',
    async (how) => {
      await ctx.http().get(`/v/never/${how}`).expect(200);
      const again = await ctx.http().get(`/v/never/${how}`).expect(200);
      expectXCache(again, 'MISS');
      expect(calls[`never:${how}`]).toBe(2);
    },
  );
});
