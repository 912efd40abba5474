import { Controller, Get, Injectable, Module, Param, Res } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { deferred, sleep } from '../helpers/deferred';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let gate = deferred();
let runs = 0;

@Controller('c')
class CookieController {
  @Get(':id')
  @Cached()
  async one(
    @Param('id') id: string,
    @Res({ passthrough: true }) res: { header(n: string, v: string): unknown },
  ) {
    runs++;
    await gate.promise;
    res.header('Set-Cookie', 'sid=1');
    return { id };
  }
}

@Injectable()
class Lookups {
  runs = 0;

  @Cached({ key: 'lookup:{0}', unless: () => true })
  async lookup(id: string): Promise<string> {
    this.runs++;
    await gate.promise;
    return id;
  }
}

@Module({
  imports: [CacheModule.forRoot({ namespace: 'co' })],
  controllers: [CookieController],
  providers: [Lookups],
})
class AppModule {}

/**
 * `coalesced` is what stampede protection saved ("joined computations"): a caller that waited for
 * a computation whose result could not be shared, then ran its own, saved nothing.
 */
describe.each(PLATFORMS)('coalesced counts only shared results, on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  const source = (name: string) =>
    ctx.app.get(CacheService).stats({ bySource: true }).sources![name];

  beforeAll(async () => {
    ctx = await bootApp(platform, AppModule);
  });
  afterAll(() => ctx.app.close());

  it('HTTP: concurrent requests whose response is unstorable each run, none counted as joined', async () => {
    gate = deferred();
    runs = 0;
    const pending = Array.from({ length: 4 }, () =>
      ctx
        .http()
        .get('/c/1')
        .then((r) => r),
    );
    await sleep(100);
    gate.resolve();
    await Promise.all(pending);
    expect(runs).toBe(4);
    expect(source('CookieController.one').coalesced).toBe(0);
  });

  it('method: concurrent calls whose value unless refuses each run, none counted as joined', async () => {
    gate = deferred();
    const lookups = ctx.app.get(Lookups);
    lookups.runs = 0;
    const pending = Promise.all(Array.from({ length: 4 }, () => lookups.lookup('x')));
    await sleep(50);
    gate.resolve();
    await pending;
    expect(lookups.runs).toBe(4);
    expect(source('Lookups.lookup').coalesced).toBe(0);
  });
});
