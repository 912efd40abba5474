import { Controller, Get, HttpCode, Module, Redirect } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectSameResponse, expectXCache, SafeApp } from '../helpers/safety';

/** Hostile: bodiless statuses a route may allow (`statuses: [204, 302]`). */
const { count, reset } = counters();

@Controller('nc')
class NoContentController {
  @Get('empty')
  @Cached()
  @HttpCode(204)
  empty() {
    count('empty');
    return null;
  }

  @Get('moved')
  @Cached()
  @Redirect('/elsewhere', 302)
  moved() {
    count('moved');
  }
}

@Module({
  imports: [CacheModule.forRoot({ statuses: [200, 204, 302] })],
  controllers: [NoContentController],
})
class NoContentModule {}

describe.each(PLATFORMS)('hostile: bodiless statuses on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, NoContentModule)));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('204: the HIT is the same 204, with no Content-Length the miss did not send', async () => {
    const miss = await ctx.http().get('/nc/empty').expect(204);
    const hit = await ctx.http().get('/nc/empty').expect(204);
    expectXCache(hit, 'HIT', miss);
    expectSameResponse(miss, hit);
  });

  it('@Redirect 302: the HIT is the same redirect', async () => {
    const miss = await ctx.http().get('/nc/moved').redirects(0).expect(302);
    const hit = await ctx.http().get('/nc/moved').redirects(0).expect(302);
    expect(hit.headers.location).toBe('/elsewhere');
    expectSameResponse(miss, hit);
  });
});
