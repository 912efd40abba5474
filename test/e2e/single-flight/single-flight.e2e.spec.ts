import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  Module,
  Param,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

const PARALLEL = 100;
const arrived: Record<string, number> = {};

/** Counts requests as they reach the route (guards run before interceptors). */
@Injectable()
class ArrivalGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const url: string = ctx.switchToHttp().getRequest().url;
    arrived[url] = (arrived[url] ?? 0) + 1;
    return true;
  }
}

/**
 * Holds the handler until every request of the burst has reached the route, then ~50 ms more,
 * so that all of them are really concurrent, however slowly the client opens connections.
 */
async function holdUntilAllArrived(url: string) {
  for (let waited = 0; (arrived[url] ?? 0) < PARALLEL && waited < 5_000; waited += 10) {
    await sleep(10);
  }
  await sleep(50);
}

@Controller('slow')
@UseGuards(ArrivalGuard)
class SlowController {
  @Get('ok/:id')
  @Cached()
  async ok(@Param('id') id: string) {
    const n = count(`ok:${id}`);
    await holdUntilAllArrived(`/slow/ok/${id}`);
    return { id, n };
  }

  @Get('fail/:id')
  @Cached()
  async fail(@Param('id') id: string) {
    const n = count(`fail:${id}`);
    await holdUntilAllArrived(`/slow/fail/${id}`);
    if (n === 1) throw new ServiceUnavailableException('first run fails');
    return { id, n };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [SlowController] })
class AppModule {}

describe.each(PLATFORMS)('single-flight on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(async () => {
    ctx = await bootApp(platform, AppModule);
    // A real listening server, so 100 requests really run in parallel.
    await ctx.app.listen(0);
  });
  afterAll(() => ctx.app.close());
  beforeEach(() => {
    Object.keys(calls).forEach((k) => delete calls[k]);
    Object.keys(arrived).forEach((k) => delete arrived[k]);
  });

  it('100 parallel cold requests run the handler once, and all get the body', async () => {
    const cache = ctx.app.get(CacheService);
    const before = cache.stats();
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () => ctx.http().get('/slow/ok/1')),
    );
    expect(calls['ok:1']).toBe(1);
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: '1', n: 1 });
      expect(res.headers['content-type']).toMatch(/application\/json/);
    }
    const after = cache.stats();
    expect(after.coalesced - before.coalesced).toBe(99);
    expect(after.sets - before.sets).toBe(1);
    expect((await ctx.http().get('/slow/ok/1')).headers['x-cache']).toBe('HIT');
  });

  it('a throwing handler answers its own client only: waiters run the handler themselves', async () => {
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () => ctx.http().get('/slow/fail/1')),
    );
    // An error is never shared: one client gets it, every waiter gets a run of its own.
    const failed = responses.filter((res) => res.status === 503);
    expect(failed).toHaveLength(1);
    expect(failed[0].body.message).toBe('first run fails');
    expect(responses.filter((res) => res.status === 200)).toHaveLength(PARALLEL - 1);
    expect(calls['fail:1']).toBe(PARALLEL);
  });
});

describe('CacheService.wrap shares one factory run', () => {
  let cache: CacheService;
  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot()],
    }).compile();
    cache = moduleRef.get(CacheService);
  });

  it('100 concurrent wraps run the factory once; each caller gets its own copy', async () => {
    let runs = 0;
    const factory = async () => {
      runs++;
      await sleep(50);
      return { list: [1, 2, 3] };
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.wrap('k', factory)));
    expect(runs).toBe(1);
    for (const result of results) expect(result).toEqual({ list: [1, 2, 3] });
    results[0].list.push(4);
    expect(results[1].list).toEqual([1, 2, 3]);
    expect(await cache.wrap('k', factory)).toEqual({ list: [1, 2, 3] });
    expect(runs).toBe(1);
    expect(cache.stats().coalesced).toBe(99);
  });

  it('a rejection reaches every waiter and is not cached', async () => {
    let runs = 0;
    const factory = async () => {
      runs++;
      await sleep(50);
      if (runs === 1) throw new Error('boom');
      return 'ok';
    };
    const settled = await Promise.allSettled(
      Array.from({ length: 100 }, () => cache.wrap('k', factory)),
    );
    expect(runs).toBe(1);
    for (const result of settled) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason.message).toBe('boom');
    }
    expect(await cache.has('k')).toBe(false);
    expect(await cache.wrap('k', factory)).toBe('ok');
    expect(runs).toBe(2);
  });

  it('a factory that throws synchronously rejects every waiter', async () => {
    const factory = () => {
      throw new Error('sync boom');
    };
    const settled = await Promise.allSettled([cache.wrap('s', factory), cache.wrap('s', factory)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(await cache.has('s')).toBe(false);
  });
});
