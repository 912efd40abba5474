import { Controller, Get, Module, Param } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { deferred } from '../helpers/deferred';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

const { calls, count, reset } = counters();
const hold: { gate?: Promise<void> } = {};

@Controller('hv')
class HostileValidatorsController {
  @Get('modified/:id')
  @Cached({ lastModified: true, etag: false })
  modified(@Param('id') id: string) {
    count(`modified:${id}`);
    return { id };
  }

  @Get('honor/:id')
  @Cached({ honorRequestCacheControl: true })
  async honor(@Param('id') id: string) {
    count(`honor:${id}`);
    await hold.gate;
    return { id };
  }
}

@Module({
  imports: [CacheModule.forRoot({ ttl: '1m' })],
  controllers: [HostileValidatorsController],
})
class HostileValidatorsModule {}

describe.each(PLATFORMS)('hostile validators on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, HostileValidatorsModule)));
  afterAll(() => ctx.app.close());
  beforeEach(() => {
    reset();
    hold.gate = undefined;
  });

  // RFC 9110 §13.1.3: an If-Modified-Since that is not an HTTP-date MUST be ignored.
  it.each(['2099', 'garbage 2099', '2099-01-01', 'Thu Jan 01 2099', '99999', '1'])(
    'If-Modified-Since %j (not an HTTP-date) is ignored: the full 200',
    async (value) => {
      const id = `bad-${value.replace(/\W/g, '_')}`;
      await ctx.http().get(`/hv/modified/${id}`).expect(200);
      const res = await ctx.http().get(`/hv/modified/${id}`).set('If-Modified-Since', value);
      expectXCache(res, 'HIT');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id });
    },
  );

  it('If-Modified-Since in each HTTP-date format, to the second: 304 at and after, 200 before', async () => {
    const miss = await ctx.http().get('/hv/modified/formats').expect(200);
    const lm = new Date(miss.headers['last-modified']).getTime();
    const fix = (ms: number) => new Date(ms).toUTCString();
    const d = new Date(lm);
    const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    const longDays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
    const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
    const p = (n: number) => String(n).padStart(2, '0');
    const time = `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
    const rfc850 = `${longDays[d.getUTCDay()]}, ${p(d.getUTCDate())}-${months[d.getUTCMonth()]}-${p(d.getUTCFullYear() % 100)} ${time} GMT`;
    const asctime = `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} ${d.getUTCFullYear()}`;
    const statuses: number[] = [];
    for (const value of [fix(lm), rfc850, asctime, fix(lm + 1000), fix(lm - 1000)]) {
      statuses.push(
        (await ctx.http().get('/hv/modified/formats').set('If-Modified-Since', value)).status,
      );
    }
    expect(statuses).toEqual([304, 304, 304, 304, 200]);
  });

  it('If-None-Match (even one that cannot match) turns If-Modified-Since off', async () => {
    const miss = await ctx.http().get('/hv/modified/inm').expect(200);
    const res = await ctx
      .http()
      .get('/hv/modified/inm')
      .set('If-None-Match', '"nope"')
      .set('If-Modified-Since', miss.headers['last-modified']);
    expect(res.status).toBe(200);
  });

  it('no-store beside a concurrent normal request: the normal one still gets stored', async () => {
    const gate = deferred<void>();
    hold.gate = gate.promise;
    const noStore = ctx
      .http()
      .get('/hv/honor/ns')
      .set('Cache-Control', 'no-store')
      .then((r) => r);
    await new Promise((r) => setTimeout(r, 50));
    const normal = ctx
      .http()
      .get('/hv/honor/ns')
      .then((r) => r);
    await new Promise((r) => setTimeout(r, 50));
    gate.resolve();
    const [a, b] = await Promise.all([noStore, normal]);
    expect([a.status, b.status]).toEqual([200, 200]);
    hold.gate = undefined;
    const after = await ctx.http().get('/hv/honor/ns').expect(200);
    expectXCache(after, 'HIT');
    expect(after.headers.etag).toBe(b.headers.etag);
  });

  it('only-if-cached on a miss: 504 without the handler, and no entry made', async () => {
    const res = await ctx.http().get('/hv/honor/oic').set('Cache-Control', 'only-if-cached');
    expect(res.status).toBe(504);
    expect(calls['honor:oic']).toBeUndefined();
    expectXCache(await ctx.http().get('/hv/honor/oic').expect(200), 'MISS');
  });

  // A HEAD miss stores nothing (it has no body to store) and is left to the framework, as a
  // BYPASS is (docs/http-caching.md); once a GET stored the entry, HEAD answers from it with the
  // entry's validators.
  it('HEAD on a cold route stores nothing; after the GET it carries the entry ETag', async () => {
    await ctx.http().head('/hv/honor/head').expect(200).expect('X-Cache', 'MISS');
    const get = await ctx.http().get('/hv/honor/head').expect(200).expect('X-Cache', 'MISS');
    const head = await ctx.http().head('/hv/honor/head').expect(200).expect('X-Cache', 'HIT');
    expect(head.headers.etag).toBe(get.headers.etag);
  });
});
