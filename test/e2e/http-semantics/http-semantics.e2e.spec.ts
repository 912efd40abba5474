import {
  Controller,
  ExecutionContext,
  Get,
  Header,
  HttpCode,
  Module,
  NotFoundException,
  Param,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { Readable } from 'stream';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

/** The response methods used here exist on both Express and Fastify replies. */
interface Reply {
  header(name: string, value: string): unknown;
  status(code: number): unknown;
}

@Controller('http')
class HttpController {
  @Get('plain')
  @Cached()
  plain() {
    return { calls: count('plain') };
  }

  @Get('head-first')
  @Cached()
  headFirst() {
    return { calls: count('headFirst') };
  }

  @Get('accepted')
  @HttpCode(203)
  @Cached()
  accepted() {
    return { calls: count('accepted') };
  }

  @Get('created')
  @Cached()
  created(@Res({ passthrough: true }) res: Reply) {
    res.status(201);
    return { calls: count('created') };
  }

  @Get('missing/:id')
  @Cached()
  missing(@Param('id') id: string) {
    count('missing');
    throw new NotFoundException(`no item ${id}`);
  }

  @Get('headers')
  @Header('X-Static', 'static')
  @Cached()
  headers(@Res({ passthrough: true }) res: Reply) {
    res.header('X-Custom', `custom ${count('headers')}`);
    res.header('Content-Type', 'text/plain; charset=utf-8');
    return 'plain text body';
  }

  @Get('cookie')
  @Cached()
  cookie(@Res({ passthrough: true }) res: Reply) {
    res.header('Set-Cookie', `session=${count('cookie')}`);
    return { calls: calls.cookie };
  }

  @Get('cache-control/:value')
  @Cached()
  cacheControl(@Param('value') value: string, @Res({ passthrough: true }) res: Reply) {
    res.header('Cache-Control', value);
    return { calls: count(`cc:${value}`) };
  }

  @Get('vary-star')
  @Cached()
  varyStar(@Res({ passthrough: true }) res: Reply) {
    res.header('Vary', '*');
    return { calls: count('varyStar') };
  }

  @Get('vary-field')
  @Cached()
  varyField(@Res({ passthrough: true }) res: Reply) {
    res.header('Vary', 'Accept-Encoding');
    return { calls: count('varyField') };
  }

  @Get('stream')
  @Cached()
  stream() {
    count('stream');
    return new StreamableFile(Readable.from([Buffer.from('streamed')]), {
      type: 'text/plain',
    });
  }

  @Get('raw')
  @Cached()
  raw(@Res() res: { send?: (b: string) => void; end?: (b: string) => void }) {
    const body = `raw ${count('raw')}`;
    // Express and Fastify both have send()
    res.send!(body);
  }

  @Get('nothing')
  @Cached()
  nothing(): void {
    count('nothing');
  }

  @Get('condition')
  @Cached({ condition: (ctx: ExecutionContext) => !ctx.switchToHttp().getRequest().query.fresh })
  condition() {
    return { calls: count('condition') };
  }

  @Get('unless/:n')
  @Cached({ unless: (result: { n: number }) => result.n > 1 })
  unless(@Param('n') n: string) {
    return { n: Number(n), calls: count(`unless:${n}`) };
  }
}

@Module({
  imports: [CacheModule.forRoot({ statuses: [200, 203] })],
  controllers: [HttpController],
})
class AppModule {}

describe.each(PLATFORMS)('HTTP semantics on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(async () => (ctx = await bootApp(platform, AppModule)));
  afterAll(() => ctx.app.close());
  beforeEach(() => Object.keys(calls).forEach((k) => delete calls[k]));

  /** Two requests: the second must be a MISS too, and the handler must have run twice. */
  async function expectNeverStored(url: string, name: string, status = 200) {
    const first = await ctx.http().get(url).expect(status);
    const second = await ctx.http().get(url).expect(status);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('MISS');
    expect(calls[name]).toBe(2);
    return second;
  }

  it('labels MISS then HIT, and only a hit carries Age', async () => {
    const miss = await ctx.http().get('/http/plain').expect(200);
    const hit = await ctx.http().get('/http/plain').expect(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(miss.headers['age']).toBeUndefined();
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['age']).toMatch(/^\d+$/);
    expect(hit.body).toEqual({ calls: 1 });
  });

  it('answers HEAD from the GET entry', async () => {
    await ctx.http().get('/http/plain?h=1').expect(200);
    const head = await ctx.http().head('/http/plain?h=1').expect(200);
    expect(head.headers['x-cache']).toBe('HIT');
    expect(head.headers['content-type']).toMatch(/application\/json/);
    expect(calls.plain).toBe(1);
  });

  it('answers a HEAD miss without storing it (it has no body); HEAD then reads the GET entry', async () => {
    const head = await ctx.http().head('/http/head-first').expect(200);
    expect(head.headers['x-cache']).toBe('MISS');
    const get = await ctx.http().get('/http/head-first').expect(200);
    expect(get.headers['x-cache']).toBe('MISS');
    expect(get.body).toEqual({ calls: 2 });
    const again = await ctx.http().head('/http/head-first').expect(200);
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.headers['content-length']).toBe(get.headers['content-length']);
    expect(calls.headFirst).toBe(2);
  });

  it('stores a status listed in statuses and replays it', async () => {
    await ctx.http().get('/http/accepted').expect(203);
    const hit = await ctx.http().get('/http/accepted').expect(203);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual({ calls: 1 });
  });

  it('does not store a status missing from statuses', async () => {
    await expectNeverStored('/http/created', 'created', 201);
  });

  it('does not store a thrown error; the next request runs the handler again', async () => {
    const second = await expectNeverStored('/http/missing/1', 'missing', 404);
    expect(second.body.message).toBe('no item 1');
  });

  it('replays the headers the handler set, content-type included, and @Header()', async () => {
    const miss = await ctx.http().get('/http/headers').expect(200);
    const hit = await ctx.http().get('/http/headers').expect(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['x-custom']).toBe('custom 1');
    expect(miss.headers['x-custom']).toBe('custom 1');
    expect(hit.headers['x-static']).toBe('static');
    expect(miss.headers['x-static']).toBe('static');
    expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
    expect(hit.headers['content-type']).toMatch(/^text\/plain/);
    expect(hit.text).toBe('plain text body');
    expect(miss.text).toBe('plain text body');
    expect(calls.headers).toBe(1);
  });

  it('never stores a response that sets a cookie (and never replays the cookie)', async () => {
    const second = await expectNeverStored('/http/cookie', 'cookie');
    expect(second.headers['set-cookie']).toEqual(['session=2']);
  });

  it.each([
    'private',
    'no-store',
    'no-cache, no-store',
    'private, max-age=60',
    'max-age=0,private',
  ])('never stores Cache-Control: %s', async (value) => {
    await expectNeverStored(`/http/cache-control/${encodeURIComponent(value)}`, `cc:${value}`);
  });

  it('stores Cache-Control: public, max-age=60 and replays it', async () => {
    const value = 'public, max-age=60';
    await ctx
      .http()
      .get(`/http/cache-control/${encodeURIComponent(value)}`)
      .expect(200);
    const hit = await ctx.http().get(`/http/cache-control/${encodeURIComponent(value)}`);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['cache-control']).toBe(value);
  });

  it('never stores Vary: *', async () => {
    await expectNeverStored('/http/vary-star', 'varyStar');
  });

  it('stores Vary: Accept-Encoding', async () => {
    await ctx.http().get('/http/vary-field').expect(200);
    expect((await ctx.http().get('/http/vary-field')).headers['x-cache']).toBe('HIT');
  });

  it('never stores a StreamableFile, and still sends it', async () => {
    const first = await ctx.http().get('/http/stream').buffer(true).expect(200);
    const second = await ctx.http().get('/http/stream').buffer(true).expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('MISS');
    expect(second.text ?? second.body.toString()).toBe('streamed');
    expect(calls.stream).toBe(2);
  });

  it('bypasses a handler that sends through @Res()', async () => {
    const first = await ctx.http().get('/http/raw').expect(200);
    const second = await ctx.http().get('/http/raw').expect(200);
    expect(first.headers['x-cache']).toBe('BYPASS');
    expect(second.headers['x-cache']).toBe('BYPASS');
    expect(second.text).toBe('raw 2');
  });

  it('never stores a handler that returns nothing', async () => {
    const second = await expectNeverStored('/http/nothing', 'nothing');
    expect(second.text).toBe('');
  });

  it('condition false bypasses: no read, no write, handler runs every time', async () => {
    await ctx.http().get('/http/condition').expect(200); // stored
    const bypass1 = await ctx.http().get('/http/condition?fresh=1').expect(200);
    const bypass2 = await ctx.http().get('/http/condition?fresh=1').expect(200);
    expect(bypass1.headers['x-cache']).toBe('BYPASS');
    expect(bypass2.headers['x-cache']).toBe('BYPASS');
    expect(bypass2.body).toEqual({ calls: 3 });
    expect((await ctx.http().get('/http/condition')).headers['x-cache']).toBe('HIT');
    expect(calls.condition).toBe(3);
  });

  it('unless true does not store the result', async () => {
    await expectNeverStored('/http/unless/2', 'unless:2');
    await ctx.http().get('/http/unless/1').expect(200);
    expect((await ctx.http().get('/http/unless/1')).headers['x-cache']).toBe('HIT');
    expect(calls['unless:1']).toBe(1);
  });

  it('counts hits, misses and bypasses in stats()', async () => {
    const cache = ctx.app.get(CacheService);
    const before = cache.stats();
    await ctx.http().get('/http/plain?stats=1');
    await ctx.http().get('/http/plain?stats=1');
    await ctx.http().get('/http/condition?fresh=1');
    const after = cache.stats();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(1);
    expect(after.bypasses - before.bypasses).toBe(1);
    expect(after.sets - before.sets).toBe(1);
  });
});
