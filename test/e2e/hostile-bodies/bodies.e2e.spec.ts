import { Controller, Get, Header, HttpCode, Module, Param, Put, Body } from '@nestjs/common';
import { Cached, CacheModule, CachePut } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectSameResponse, expectXCache, SafeApp } from '../helpers/safety';

/** Hostile: odd bodies (binary, non-UTF-8, empty, null, numbers, > 16 MiB), HEAD, @HttpCode, @CachePut. */
const { calls, count, reset } = counters();
const BINARY = Buffer.from([
  0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x00, 0x0a,
]);
const HUGE = 'h'.repeat(17 * 1024 * 1024);

const binaryParser = (res: any, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

@Controller('b')
class BodiesController {
  @Get('binary')
  @Cached()
  @Header('Content-Type', 'application/octet-stream')
  binary() {
    count('binary');
    return BINARY;
  }

  @Get('latin1')
  @Cached()
  @Header('Content-Type', 'text/plain; charset=latin1')
  latin1() {
    count('latin1');
    return Buffer.from('caf\xe9 na\xefve', 'latin1');
  }

  @Get('empty')
  @Cached()
  empty() {
    count('empty');
    return '';
  }

  @Get('null')
  @Cached()
  nothing() {
    count('null');
    return null;
  }

  @Get('number/:n')
  @Cached()
  number(@Param('n') n: string) {
    count('number');
    return Number(n);
  }

  @Get('huge')
  @Cached()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  huge() {
    count('huge');
    return HUGE;
  }

  @Get('created')
  @Cached()
  @HttpCode(201)
  created() {
    count('created');
    return { made: calls.created };
  }

  @Get('head-first')
  @Cached()
  headFirst() {
    count('headFirst');
    return { n: calls.headFirst, pad: 'z'.repeat(50) };
  }

  @Get('doc')
  @Cached({ key: 'doc' })
  doc() {
    count('docGet');
    return { from: 'get', n: calls.docGet };
  }

  @Put('doc')
  @CachePut({ key: 'doc' })
  putDoc(@Body() body: any) {
    count('docPut');
    return { from: 'put', body };
  }
}

@Module({
  imports: [CacheModule.forRoot({ statuses: [200, 201] })],
  controllers: [BodiesController],
})
class BodiesModule {}

describe.each(PLATFORMS)('hostile: bodies on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, BodiesModule)));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  const bytes = (path: string) => ctx.http().get(path).buffer(true).parse(binaryParser);

  it('a Buffer / non-UTF-8 body replays byte for byte with its content type', async () => {
    for (const path of ['/b/binary', '/b/latin1']) {
      const miss = await bytes(path).expect(200);
      const hit = await bytes(path).expect(200);
      expectXCache(hit, 'HIT', miss);
      expect(Buffer.compare(hit.body, miss.body)).toBe(0);
      expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
      expect(hit.headers['content-length']).toBe(miss.headers['content-length']);
    }
    expect(calls).toEqual({ binary: 1, latin1: 1 });
  });

  it('empty string, null and numbers: HIT equals MISS', async () => {
    for (const path of ['/b/empty', '/b/null', '/b/number/0', '/b/number/-1.5']) {
      const miss = await ctx.http().get(path);
      const hit = await ctx.http().get(path);
      expectXCache(hit, 'HIT', miss);
      expectSameResponse(miss, hit);
    }
  });

  it('a 17 MiB body is sent intact, not stored, and the next request runs the handler again', async () => {
    const first = await ctx.http().get('/b/huge').expect(200);
    expect(first.text.length).toBe(HUGE.length);
    const second = await ctx.http().get('/b/huge').expect(200);
    expectXCache(second, 'MISS');
    expect(second.text.length).toBe(HUGE.length);
    expect(calls.huge).toBe(2);
  }, 10000);

  it('@HttpCode(201) with statuses [200, 201]: HIT is a 201 with the same body', async () => {
    const miss = await ctx.http().get('/b/created').expect(201);
    const hit = await ctx.http().get('/b/created').expect(201);
    expectXCache(hit, 'HIT', miss);
    expectSameResponse(miss, hit);
  });

  it('GET then HEAD: HEAD is a HIT with the GET length and no body', async () => {
    const get = await ctx.http().get('/b/created?h=1').expect(201);
    const head = await ctx.http().head('/b/created?h=1');
    expectXCache(head, 'HIT', get);
    expect(head.status).toBe(201);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.text ?? '').toBe('');
  });

  it('HEAD first (not stored), then GET is a MISS with a full body, then HEAD is a HIT', async () => {
    const head = await ctx.http().head('/b/head-first').expect(200);
    expect(head.text ?? '').toBe('');
    const get = await ctx.http().get('/b/head-first').expect(200);
    expectXCache(get, 'MISS', head);
    expect(get.body).toEqual({ n: 2, pad: 'z'.repeat(50) });
    const head2 = await ctx.http().head('/b/head-first').expect(200);
    expectXCache(head2, 'HIT');
    expect(head2.headers['content-length']).toBe(get.headers['content-length']);
    expect(head2.headers['content-type']).toBe(get.headers['content-type']);
  });

  it('@CachePut on PUT, then GET HIT replays the PUT body with status 200 and its content type', async () => {
    const put = await ctx.http().put('/b/doc').send({ x: 1 }).expect(200);
    const hit = await ctx.http().get('/b/doc').expect(200);
    expectXCache(hit, 'HIT', put);
    expect(hit.text).toBe(put.text);
    expect(hit.headers['content-type']).toBe(put.headers['content-type']);
    expect(calls.docGet).toBeUndefined();
  });
});
