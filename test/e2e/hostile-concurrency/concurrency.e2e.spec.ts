import { Controller, Get, Module, Res } from '@nestjs/common';
import http from 'node:http';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';
import { listen } from '../hostile-transport/raw-client';

/** Hostile: cold stampedes with a first-call cookie, and a leader whose client walks away. */
const { count, reset } = counters();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BIG = 'q'.repeat(256 * 1024);

@Controller('k')
class StampedeController {
  @Get('cookie-once')
  @Cached()
  async cookieOnce(@Res({ passthrough: true }) res: any) {
    const n = count('cookieOnce');
    await sleep(100);
    if (n === 1) {
      if (res.raw) res.header('Set-Cookie', 'first=1; Path=/');
      else res.cookie('first', '1');
    }
    return { n };
  }

  @Get('slow')
  @Cached()
  async slow() {
    const n = count('slow');
    await sleep(300);
    return { n, big: BIG };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [StampedeController] })
class StampedeModule {}

describe.each(PLATFORMS)('hostile: concurrency on %s', (platform: Platform) => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    ctx = await bootSafe(platform, StampedeModule);
    port = await listen(ctx.app.getHttpServer());
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('50 cold requests, the first response sets a cookie: only that one carries it, all answer, then a HIT', async () => {
    const all = await Promise.all(
      Array.from({ length: 50 }, () => ctx.http().get('/k/cookie-once').timeout(8000)),
    );
    expect(all.map((r) => r.status)).toEqual(Array(50).fill(200));
    const withCookie = all.filter((r) => r.headers['set-cookie'] !== undefined);
    expect(withCookie).toHaveLength(1);
    expect(withCookie[0].body).toEqual({ n: 1 });
    const hit = await ctx.http().get('/k/cookie-once').expect(200);
    expectXCache(hit, 'HIT');
    expect(hit.headers['set-cookie']).toBeUndefined();
    expect(hit.body.n).not.toBe(1);
  }, 9000);

  it("the leader's client aborts mid-flight; the waiters all get a full answer in time; next request works", async () => {
    // leader: raw request, destroyed while the handler sleeps
    const leader = http.get({ host: '127.0.0.1', port, path: '/k/slow' });
    leader.on('error', () => undefined);
    await sleep(50);
    const waiters = Array.from({ length: 10 }, () => ctx.http().get('/k/slow').timeout(5000));
    await sleep(50);
    leader.destroy();
    const started = Date.now();
    const answers = await Promise.all(waiters);
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(answers.every((r) => r.body.big === BIG)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    const next = await ctx.http().get('/k/slow').timeout(3000).expect(200);
    expect(next.body.big).toBe(BIG);
  }, 9000);

  it('a client that aborts after the headers of a big response does not poison the entry', async () => {
    const body = await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/k/slow?abort=1' }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => resolve());
    });
    void body;
    await sleep(100);
    const a = await ctx.http().get('/k/slow?abort=1').timeout(3000).expect(200);
    expect(a.body.big).toBe(BIG);
    const b = await ctx.http().get('/k/slow?abort=1').timeout(3000).expect(200);
    expectXCache(b, 'HIT');
    expect(b.text).toBe(a.text);
  }, 9000);
});
