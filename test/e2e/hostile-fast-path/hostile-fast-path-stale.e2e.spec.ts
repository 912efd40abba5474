import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { sleep } from '../helpers/deferred';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let runs = 0;

@Controller('stale')
class StaleController {
  @Get('swr')
  @Cached({ scope: 'public', ttl: 100, staleWhileRevalidate: '10s' })
  swr() {
    return { run: ++runs };
  }

  @Get('short')
  @Cached({ scope: 'public', ttl: 100 })
  short() {
    return { run: ++runs };
  }
}

@Module({ imports: [CacheModule.forRoot({ fastPath: true })], controllers: [StaleController] })
class StaleApp {}

describe.each(PLATFORMS)('hostile fast path: expired entries (%s)', (platform: Platform) => {
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof bootApp>>['http'];
  beforeAll(async () => ({ app, http } = await bootApp(platform, StaleApp)));
  afterAll(() => app.close());

  it('never answers an expired entry as a fresh HIT', async () => {
    const swrMiss = await http().get('/stale/swr').expect(200);
    const shortMiss = await http().get('/stale/short').expect(200);
    expect((await http().get('/stale/swr')).headers['x-cache']).toBe('HIT');
    expect((await http().get('/stale/short')).headers['x-cache']).toBe('HIT');
    await sleep(250);
    const stale = await http().get('/stale/swr').expect(200);
    // The request that finds it expired refreshes it (as on the standard path): never an old HIT.
    expect(stale.headers['x-cache']).not.toBe('HIT');
    if (stale.text === swrMiss.text) expect(stale.headers['x-cache']).toBe('STALE');
    const expired = await http().get('/stale/short').expect(200);
    expect(expired.headers['x-cache']).toBe('MISS');
    expect(expired.text).not.toBe(shortMiss.text);
  });
});
