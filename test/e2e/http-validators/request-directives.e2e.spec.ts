import { deferred, sleep, within } from '../helpers/deferred';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, expectXCache, SafeApp } from '../helpers/safety';
import { calls, hold, reset, validatorsModule } from './validators.app';

describe.each(PLATFORMS)('request directives and STALE answers on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, validatorsModule())));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  const get = (path: string, headers: Record<string, string> = {}) => {
    const req = ctx.http().get(path);
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    return req;
  };

  it.each([
    ['Cache-Control: no-cache', { 'Cache-Control': 'no-cache' }],
    ['Cache-Control: max-age=0', { 'Cache-Control': 'max-age=0' }],
    ['Pragma: no-cache alone', { Pragma: 'no-cache' }],
  ])('%s skips the read but stores the new answer', async (name, headers) => {
    const id = name.replace(/\W+/g, '-');
    expect((await get(`/v/honor/${id}`).expect(200)).body.run).toBe(1);
    const forced = await get(`/v/honor/${id}`, headers).expect(200);
    expectXCache(forced, 'MISS');
    expect(forced.body.run).toBe(2);
    const after = await get(`/v/honor/${id}`).expect(200);
    expectXCache(after, 'HIT');
    expect(after.body.run).toBe(2);
  });

  it('Pragma: no-cache does not count beside a Cache-Control header', async () => {
    await get('/v/honor/pragma').expect(200);
    const res = await get('/v/honor/pragma', { Pragma: 'no-cache', 'Cache-Control': 'max-age=60' });
    expectXCache(res, 'HIT');
  });

  it('no-store reads but never writes', async () => {
    const miss = await get('/v/honor/ns', { 'Cache-Control': 'no-store' }).expect(200);
    expectXCache(miss, 'MISS');
    expect(miss.headers.etag).toBeDefined();
    const next = await get('/v/honor/ns').expect(200);
    expectXCache(next, 'MISS');
    const hit = await get('/v/honor/ns', { 'Cache-Control': 'no-store' }).expect(200);
    expectXCache(hit, 'HIT');
    expect(calls['honor:ns']).toBe(2);
  });

  it('only-if-cached: 504 on a miss without running the handler; the entry when there is one', async () => {
    const miss = await get('/v/honor/oic', { 'Cache-Control': 'only-if-cached' });
    expect(miss.status).toBe(504);
    expect(calls['honor:oic']).toBeUndefined();
    await get('/v/honor/oic').expect(200);
    const hit = await get('/v/honor/oic', { 'Cache-Control': 'only-if-cached' }).expect(200);
    expectXCache(hit, 'HIT');
    expect(calls['honor:oic']).toBe(1);
  });

  it('off by default: a client cannot force the origin to work', async () => {
    await get('/v/plain/force').expect(200);
    const forcing: Record<string, string>[] = [
      { 'Cache-Control': 'no-cache' },
      { Pragma: 'no-cache' },
    ];
    for (const headers of forcing) {
      expectXCache(await get('/v/plain/force', headers).expect(200), 'HIT');
    }
    expectXCache(await get('/v/plain/oic', { 'Cache-Control': 'only-if-cached' }), 'MISS');
    expect(calls['plain:force']).toBe(1);
  });

  it('a STALE answer carries the entry ETag, an Age, and answers If-None-Match with 304', async () => {
    const miss = await get('/v/stale').expect(200);
    await sleep(80);
    const gate = deferred();
    hold.gate = gate.promise;
    try {
      const refresher = get('/v/stale').then((res) => res);
      for (let i = 0; i < 200 && calls.stale < 2; i++) await sleep(5);
      const stale = await within(Promise.resolve(get('/v/stale')), 2000, 'a stale read');
      expectXCache(stale, 'STALE');
      expect(stale.headers.etag).toBe(miss.headers.etag);
      expect(stale.headers.age).toMatch(/^\d+$/);
      const nm = await get('/v/stale', { 'If-None-Match': miss.headers.etag });
      expect([nm.status, nm.headers['x-cache']]).toEqual([304, 'STALE']);
      gate.resolve();
      const refreshed = await refresher;
      expectXCache(refreshed, 'MISS');
      expect(refreshed.headers.etag).not.toBe(miss.headers.etag);
    } finally {
      hold.gate = undefined;
      gate.resolve();
    }
  });
});
