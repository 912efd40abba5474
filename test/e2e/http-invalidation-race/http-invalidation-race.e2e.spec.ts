import { Controller, Get, Module, Param } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { deferred, Deferred } from '../helpers/deferred';
import { bootApp, PLATFORMS } from '../helpers/platforms';

const state: { calls: number; version: number; gate?: Deferred; started?: Deferred } = {
  calls: 0,
  version: 1,
};

@Controller('reports')
class ReportsController {
  @Get(':id')
  @Cached('1m')
  async findOne(@Param('id') id: string) {
    state.calls++;
    const version = state.version;
    state.started?.resolve();
    if (state.gate) await state.gate.promise;
    return { id, version };
  }

  @Get('keyed/:id')
  @Cached({ ttl: '1m', key: 'report:{params.id}' })
  async keyed(@Param('id') id: string) {
    return this.findOne(id);
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [ReportsController] })
class AppModule {}

describe.each(PLATFORMS)('a slow handler invalidated while it runs on %s', (platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let cache: CacheService;

  beforeEach(async () => {
    Object.assign(state, { calls: 0, version: 1, gate: undefined, started: undefined });
    ctx = await bootApp(platform, AppModule);
    cache = ctx.app.get(CacheService);
  });
  afterEach(() => ctx.app.close());

  async function raceWith(path: string, invalidate: () => Promise<void>) {
    state.gate = deferred();
    state.started = deferred();
    const pending = ctx
      .http()
      .get(path)
      .then((res) => res);
    await state.started.promise;
    await invalidate();
    state.version = 2;
    state.gate.resolve();
    const res = await pending;
    state.gate = undefined;
    state.started = undefined;
    return res;
  }

  it('answers its request but never serves it after its implicit tag is invalidated', async () => {
    const raced = await raceWith('/reports/1', () =>
      cache.invalidateTags('ReportsController.findOne'),
    );
    expect(raced.status).toBe(200);
    expect(raced.headers['x-cache']).toBe('MISS');
    expect(raced.body).toEqual({ id: '1', version: 1 });
    const next = await ctx.http().get('/reports/1').expect(200);
    expect(next.headers['x-cache']).toBe('MISS');
    expect(next.body).toEqual({ id: '1', version: 2 });
    const after = await ctx.http().get('/reports/1').expect(200);
    expect(after.headers['x-cache']).toBe('HIT');
    expect(after.body).toEqual({ id: '1', version: 2 });
    expect(state.calls).toBe(2);
  });

  it('answers its request but never serves it after its key is deleted', async () => {
    const raced = await raceWith('/reports/keyed/1', () => cache.delete('report:1'));
    expect(raced.body).toEqual({ id: '1', version: 1 });
    const next = await ctx.http().get('/reports/keyed/1').expect(200);
    expect(next.headers['x-cache']).toBe('MISS');
    expect(next.body).toEqual({ id: '1', version: 2 });
  });
});
