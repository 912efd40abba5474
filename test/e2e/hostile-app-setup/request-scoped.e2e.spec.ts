import { Controller, Get, Inject, Injectable, Module, Param, Scope } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectSameResponse, expectXCache, SafeApp } from '../helpers/safety';

/** Hostile: a controller that is request-scoped (it injects REQUEST through a provider). */
const { calls, count, reset } = counters();

@Injectable({ scope: Scope.REQUEST })
class RequestInfo {
  constructor(@Inject(REQUEST) readonly req: any) {}
}

@Controller('rs')
class RequestScopedController {
  constructor(private readonly info: RequestInfo) {}

  @Get(':id')
  @Cached()
  one(@Param('id') id: string) {
    count('one');
    return { id, path: this.info.req.url };
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [RequestScopedController],
  providers: [RequestInfo],
})
class RequestScopedModule {}

describe.each(PLATFORMS)('hostile: request-scoped controller on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, RequestScopedModule)));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('misses once, then hits; concurrent cold requests run the handler once', async () => {
    const miss = await ctx.http().get('/rs/1').expect(200);
    const hit = await ctx.http().get('/rs/1').expect(200);
    expectXCache(hit, 'HIT', miss);
    expectSameResponse(miss, hit);
    const all = await Promise.all(Array.from({ length: 10 }, () => ctx.http().get('/rs/2')));
    expect(all.every((r) => r.status === 200 && r.text === all[0].text)).toBe(true);
    expect(calls.one).toBe(2);
  });
});
