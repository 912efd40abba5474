import {
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  Header,
  Injectable,
  Module,
  NestInterceptor,
  Param,
  Put,
  UseInterceptors,
} from '@nestjs/common';
import { map } from 'rxjs';
import compression from 'compression';
import fastifyCompress from '@fastify/compress';
import {
  Cached,
  CacheModule,
  CachePut,
  CacheService,
  MemoryStore,
  memoryStore,
} from 'nestjs-cached';
import { deferred } from '../helpers/deferred';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';
import { listen, rawRequest } from '../hostile-transport/raw-client';

/** Hostile: validators under compression, CORS, @CachePut, a dead store, concurrency, junk. */
const { calls, count, reset } = counters();
const BIG = { items: Array.from({ length: 150 }, (_, i) => ({ i, name: `item ${i}` })) };
let gate: Promise<void> | undefined;

/** Wraps the body and stamps a header after the handler, on misses and hits alike. */
@Injectable()
class EnvelopeInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler) {
    const res = ctx.switchToHttp().getResponse();
    return next.handle().pipe(
      map((data) => {
        res.header('x-stamp', 'stamped');
        return { data };
      }),
    );
  }
}

@Controller('h')
class HostileController {
  @Get('wrapped')
  @UseInterceptors(EnvelopeInterceptor)
  @Cached()
  wrapped() {
    count('wrapped');
    return { wrapped: true };
  }

  @Get('big')
  @Cached({ cacheControl: { maxAge: '1m' } })
  big() {
    count('big');
    return BIG;
  }

  @Get('item/:id')
  @Cached({ key: 'item:{params.id}', vary: ['accept-language'] })
  item(@Param('id') id: string) {
    count(`item:${id}`);
    return { id, version: 1 };
  }

  @Put('item/:id')
  @CachePut({ key: 'item:{params.id}', vary: ['accept-language'] })
  putItem(@Param('id') id: string) {
    count(`put:${id}`);
    return { id, version: 1 };
  }

  @Get('bin')
  @Cached()
  @Header('Content-Type', 'application/octet-stream')
  bin() {
    count('bin');
    return Buffer.from([0, 255, 1, 254, 2, 128, 0xc3, 0x28]);
  }

  @Get('slow')
  @Cached()
  async slow() {
    count('slow');
    if (gate) await gate;
    return { slow: true };
  }

  @Get('declared')
  @Cached({ cacheControl: { maxAge: '1h' } })
  @Header('Cache-Control', 'public, max-age=5')
  declared() {
    count('declared');
    return { declared: true };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [HostileController] })
class HostileModule {}

describe.each(PLATFORMS)('hostile validators on %s', (platform: Platform) => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    ctx = await bootSafe(platform, HostileModule, {
      configure: async (app) => {
        if (platform === 'express') app.use(compression());
        else await app.register(fastifyCompress as any, { threshold: 1024 });
        app.enableCors({ origin: true });
      },
    });
    port = await listen(ctx.app.getHttpServer());
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('compression in front: 304 for gzip and identity clients alike, one ETag, no body', async () => {
    const miss = await rawRequest(port, '/h/big', { 'accept-encoding': 'gzip' });
    expect([miss.status, miss.headers['content-encoding']]).toEqual([200, 'gzip']);
    const etag = String(miss.headers.etag);
    expect(etag).toMatch(/^W\//);
    for (const encoding of ['gzip', 'identity']) {
      const nm = await rawRequest(port, '/h/big', {
        'accept-encoding': encoding,
        'if-none-match': etag,
      });
      expect([nm.status, nm.wire.length, nm.headers.etag]).toEqual([304, 0, etag]);
      expect(nm.headers['content-encoding']).toBeUndefined();
      expect(nm.headers['cache-control']).toBe('public, max-age=60');
    }
    const plain = await rawRequest(port, '/h/big');
    expect([plain.headers.etag, plain.headers['content-encoding']]).toEqual([etag, undefined]);
    expect(JSON.parse(plain.body.toString())).toEqual(BIG);
    expect(calls.big).toBe(1);
  });

  it("CORS's Vary: Origin is merged, not stored: each origin gets its own", async () => {
    const a = await ctx.http().get('/h/item/cors').set('Origin', 'https://a.example');
    const b = await ctx.http().get('/h/item/cors').set('Origin', 'https://b.example');
    expectXCache(b, 'HIT');
    expect(a.headers['access-control-allow-origin']).toBe('https://a.example');
    expect(b.headers['access-control-allow-origin']).toBe('https://b.example');
    // (compression adds Accept-Encoding on Express)
    expect(b.headers.vary).toBe(a.headers.vary);
    const names = String(a.headers.vary)
      .toLowerCase()
      .split(/\s*,\s*/);
    expect(names.filter((n) => n === 'origin' || n === 'accept-language').sort()).toEqual([
      'accept-language',
      'origin',
    ]);
  });

  it('@CachePut stores the ETag GET readers validate against', async () => {
    const miss = await ctx.http().get('/h/item/put').expect(200);
    const put = await ctx.http().put('/h/item/put').expect(200);
    expect(put.headers['cache-control']).toBeUndefined();
    const hit = await ctx.http().get('/h/item/put').expect(200);
    expectXCache(hit, 'HIT');
    expect(hit.headers.etag).toMatch(/^W\//);
    const nm = await ctx.http().get('/h/item/put').set('If-None-Match', hit.headers.etag);
    expect(nm.status).toBe(304);
    // the GET miss before the write computed the same tag for the same representation
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect([calls['item:put'], calls['put:put']]).toEqual([1, 1]);
  });

  it('concurrent conditional misses: one handler run, every request gets its 304', async () => {
    const { headers } = await ctx.http().get('/h/slow?warm=1').expect(200);
    const held = deferred();
    gate = held.promise;
    try {
      const requests = Array.from({ length: 8 }, (_, i) =>
        ctx
          .http()
          .get('/h/slow')
          .set('If-None-Match', i % 2 ? headers.etag : '"nope"')
          .then((res) => res),
      );
      // every request has joined the held computation
      const cache = ctx.app.get(CacheService);
      const joined = cache.stats().coalesced + 7;
      for (let i = 0; i < 400 && cache.stats().coalesced < joined; i++)
        await new Promise((r) => setTimeout(r, 5));
      held.resolve();
      const answers = await Promise.all(requests);
      expect(answers.map((res) => res.status)).toEqual([200, 304, 200, 304, 200, 304, 200, 304]);
      for (const res of answers) expect(res.headers.age).toBeUndefined();
      expect(calls.slow).toBe(2);
    } finally {
      gate = undefined;
      held.resolve();
    }
  });

  it('another interceptor around the route: the hit validates, the 304 keeps its header', async () => {
    const miss = await ctx.http().get('/h/wrapped').expect(200);
    expect(miss.body).toEqual({ data: { wrapped: true } });
    const hit = await ctx.http().get('/h/wrapped').expect(200);
    expectXCache(hit, 'HIT');
    expect([hit.headers.etag, hit.text]).toEqual([miss.headers.etag, miss.text]);
    const nm = await ctx.http().get('/h/wrapped').set('If-None-Match', miss.headers.etag);
    expect([nm.status, nm.headers['x-stamp'], nm.headers.etag]).toEqual([
      304,
      'stamped',
      miss.headers.etag,
    ]);
    expect(calls.wrapped).toBe(1);
  });

  it('a binary body: one ETag over its bytes, the same bytes and a 304 on hits', async () => {
    const miss = await rawRequest(port, '/h/bin');
    const hit = await rawRequest(port, '/h/bin');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect([hit.headers.etag, hit.body.equals(miss.body)]).toEqual([miss.headers.etag, true]);
    // (Nest's Express adapter sends a returned Buffer as JSON; Fastify sends its bytes)
    if (platform === 'fastify')
      expect([...miss.body]).toEqual([0, 255, 1, 254, 2, 128, 0xc3, 0x28]);
    const nm = await rawRequest(port, '/h/bin', { 'if-none-match': String(miss.headers.etag) });
    expect([nm.status, nm.wire.length]).toEqual([304, 0]);
    expect(calls.bin).toBe(1);
  });

  it("@Header('Cache-Control') wins over the route's cacheControl", async () => {
    const miss = await ctx.http().get('/h/declared').expect(200);
    const hit = await ctx.http().get('/h/declared').expect(200);
    expectXCache(hit, 'HIT');
    expect([miss.headers['cache-control'], hit.headers['cache-control']]).toEqual([
      'public, max-age=5',
      'public, max-age=5',
    ]);
  });

  it.each([',,, W/', 'W/"', '"unterminated', ' , "" ,', 'x'.repeat(4000)])(
    'junk If-None-Match %#: a full 200',
    async (junk) => {
      await ctx.http().get('/h/item/junk').expect(200);
      const res = await ctx.http().get('/h/item/junk').set('If-None-Match', junk);
      expect(res.status).toBe(200);
    },
  );
});

/** A store whose every call throws. */
class DeadStore extends MemoryStore {
  override get(): never {
    throw new Error('down');
  }
  override getMany(): never {
    throw new Error('down');
  }
  override set(): never {
    throw new Error('down');
  }
}
const deadStore = new DeadStore();

@Module({
  imports: [CacheModule.forRoot({ store: deadStore, cacheControl: { maxAge: '1m' } })],
  controllers: [HostileController],
})
class DeadStoreModule {}

describe.each(PLATFORMS)('validators with a dead store on %s', (platform: Platform) => {
  it('every answer is a MISS with its ETag, Cache-Control and 304s: no outage', async () => {
    const ctx = await bootSafe(platform, DeadStoreModule);
    try {
      const first = await ctx.http().get('/h/item/dead').expect(200);
      expect(first.headers['cache-control']).toBe('public, max-age=60');
      const nm = await ctx.http().get('/h/item/dead').set('If-None-Match', first.headers.etag);
      expectXCache(nm, 'MISS');
      expect(nm.status).toBe(304);
    } finally {
      await ctx.app.close();
    }
  });
});

describe('validators across instances sharing one store (Express writes, Fastify reads)', () => {
  it('the entry carries its ETag and creation time: same ETag, Age and 304 on the other adapter', async () => {
    const store = memoryStore();
    @Module({
      imports: [CacheModule.forRoot({ store, lastModified: true })],
      controllers: [HostileController],
    })
    class SharedModule {}
    const writer = await bootSafe('express', SharedModule);
    const reader = await bootSafe('fastify', SharedModule);
    try {
      const miss = await writer.http().get('/h/item/shared').expect(200);
      expectXCache(miss, 'MISS');
      const hit = await reader.http().get('/h/item/shared').expect(200);
      expectXCache(hit, 'HIT');
      expect([hit.headers.etag, hit.headers['last-modified'], hit.text]).toEqual([
        miss.headers.etag,
        miss.headers['last-modified'],
        miss.text,
      ]);
      const nm = await reader.http().get('/h/item/shared').set('If-None-Match', miss.headers.etag);
      expect(nm.status).toBe(304);
      expect(calls['item:shared']).toBe(1);
    } finally {
      await writer.app.close();
      await reader.app.close();
    }
  });
});
