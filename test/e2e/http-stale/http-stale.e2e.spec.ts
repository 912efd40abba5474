import { Controller, Get, Module, Param, Res, ServiceUnavailableException } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { deferred, Deferred, sleep, within } from '../helpers/deferred';
import { LogCapture } from '../helpers/log-capture';
import { bootApp, PLATFORMS } from '../helpers/platforms';
import { watchUnhandledRejections } from '../helpers/unhandled-rejections';

const state = {
  calls: 0,
  version: 1,
  fail: false,
  gate: undefined as Deferred | undefined,
  /** Resolves when a handler run has finished (answered or thrown). */
  settled: deferred(),
};

async function answer(id: string) {
  state.calls++;
  try {
    if (state.gate) await state.gate.promise;
    if (state.fail) throw new ServiceUnavailableException('origin down');
    return { id, version: state.version };
  } finally {
    const settled = state.settled;
    state.settled = deferred();
    setImmediate(() => settled.resolve());
  }
}

@Controller('prices')
class PricesController {
  @Get('swr/:id')
  @Cached({ ttl: 100, staleWhileRevalidate: '10s' })
  swr(@Param('id') id: string) {
    return answer(id);
  }

  /** Sets a header through the response it is given, as handlers with passthrough may. */
  @Get('swr-header/:id')
  @Cached({ ttl: 100, staleWhileRevalidate: '10s' })
  async swrWithHeader(
    @Param('id') id: string,
    @Res({ passthrough: true }) res: { header(name: string, value: string): unknown },
  ) {
    const result = await answer(id);
    res.header('content-language', 'fr');
    return result;
  }

  @Get('sie/:id')
  @Cached({ ttl: 100, staleIfError: '10s' })
  sie(@Param('id') id: string) {
    return answer(id);
  }

  @Get('sie-short/:id')
  @Cached({ ttl: 50, staleIfError: 100 })
  sieShort(@Param('id') id: string) {
    return answer(id);
  }

  /** Takes the module's default staleIfError window. */
  @Get('default/:id')
  @Cached({ ttl: 100 })
  byDefault(@Param('id') id: string) {
    return answer(id);
  }
}

@Module({
  imports: [CacheModule.forRoot({ staleIfError: '10s' })],
  controllers: [PricesController],
})
class AppModule {}

const EXPIRED = 150;

describe.each(PLATFORMS)('stale HTTP entries on %s', (platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let logs: LogCapture;
  let rejections: ReturnType<typeof watchUnhandledRejections>;

  beforeEach(async () => {
    Object.assign(state, { calls: 0, version: 1, fail: false, gate: undefined });
    rejections = watchUnhandledRejections();
    logs = new LogCapture();
    ctx = await bootApp(platform, AppModule, (app) => app.useLogger(logs));
  });
  afterEach(async () => {
    state.gate?.resolve();
    await ctx.app.close();
    await sleep(10);
    rejections.stop();
    expect(rejections.reasons).toEqual([]);
  });

  const get = async (path: string) => {
    const res = await ctx.http().get(path);
    return { status: res.status, label: res.headers['x-cache'], body: res.body };
  };

  it('one request refreshes; requests meanwhile get STALE at once; then the fresh value', async () => {
    expect(await get('/prices/swr/1')).toMatchObject({ status: 200, label: 'MISS' });
    await sleep(EXPIRED);
    state.version = 2;
    state.gate = deferred();
    // The refresh runs for a request whose response carries it, so the app serializes it.
    const refresher = get('/prices/swr/1');
    for (let i = 0; i < 200 && state.calls < 2; i++) await sleep(5);
    expect(state.calls).toBe(2);
    const reads = Promise.all([1, 2, 3, 4].map(() => get('/prices/swr/1')));
    const stale = await within(reads, 2000, 'stale requests while the refresh is held');
    for (const res of stale) {
      expect(res).toEqual({ status: 200, label: 'STALE', body: { id: '1', version: 1 } });
    }
    expect(state.calls).toBe(2);
    state.gate.resolve();
    state.gate = undefined;
    expect(await refresher).toEqual({ status: 200, label: 'MISS', body: { id: '1', version: 2 } });
    expect(await get('/prices/swr/1')).toEqual({
      status: 200,
      label: 'HIT',
      body: { id: '1', version: 2 },
    });
    expect(state.calls).toBe(2);
  });

  it('refreshes in the foreground a handler that writes to its response', async () => {
    await get('/prices/swr-header/1');
    await sleep(EXPIRED);
    state.version = 2;
    // The handler could not set its header on a response already sent: it runs before answering.
    const refreshed = await ctx.http().get('/prices/swr-header/1').expect(200);
    expect(refreshed.headers['x-cache']).toBe('MISS');
    expect(refreshed.body).toEqual({ id: '1', version: 2 });
    expect(refreshed.headers['content-language']).toBe('fr');
    const res = await ctx.http().get('/prices/swr-header/1').expect(200);
    expect(res.headers['x-cache']).toBe('HIT');
    expect(res.body).toEqual({ id: '1', version: 2 });
    expect(res.headers['content-language']).toBe('fr');
    expect(logs.errors).toEqual([]);
  });

  it('keeps serving STALE when the refresh fails, and logs the failure', async () => {
    await get('/prices/swr/2');
    await sleep(EXPIRED);
    state.fail = true;
    expect(await get('/prices/swr/2')).toMatchObject({
      status: 200,
      label: 'STALE',
      body: { id: '2', version: 1 },
    });
    expect(await get('/prices/swr/2')).toMatchObject({
      status: 200,
      label: 'STALE',
      body: { id: '2', version: 1 },
    });
    expect(state.calls).toBe(3);
    expect(logs.warningsAbout('origin down')).not.toHaveLength(0);
  });

  it('staleIfError: serves STALE when the handler throws inside the window, and logs it', async () => {
    await get('/prices/sie/1');
    await sleep(EXPIRED);
    state.fail = true;
    expect(await get('/prices/sie/1')).toEqual({
      status: 200,
      label: 'STALE',
      body: { id: '1', version: 1 },
    });
    expect(logs.warningsAbout('origin down')).toHaveLength(1);
  });

  it('staleIfError: outside the window the error is the answer', async () => {
    await get('/prices/sie-short/1');
    await sleep(250);
    state.fail = true;
    expect(await get('/prices/sie-short/1')).toMatchObject({ status: 503, label: 'MISS' });
  });

  it('staleIfError as the module default', async () => {
    await get('/prices/default/1');
    await sleep(EXPIRED);
    state.fail = true;
    expect(await get('/prices/default/1')).toMatchObject({
      status: 200,
      label: 'STALE',
      body: { id: '1', version: 1 },
    });
  });
});
