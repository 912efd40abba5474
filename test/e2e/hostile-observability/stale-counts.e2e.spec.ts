import { Controller, Get, Injectable, Module, Param } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { deferred, sleep } from '../helpers/deferred';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let gate = deferred();
let failing = false;
let runs = 0;

@Controller('s')
class StaleController {
  @Get('swr/:id')
  @Cached({ ttl: 50, staleWhileRevalidate: '10s' })
  async swr(@Param('id') id: string) {
    runs++;
    await gate.promise;
    return { id, runs };
  }

  @Get('sie/:id')
  @Cached({ ttl: 50, staleIfError: '10s' })
  sie(@Param('id') id: string) {
    if (failing) throw new Error('upstream down');
    return { id };
  }
}

@Injectable()
class Quotes {
  failing = false;

  @Cached({ key: 'quote:{0}', ttl: 50, staleIfError: '10s' })
  async quote(id: string): Promise<string> {
    if (this.failing) throw new Error('upstream down');
    return `q${id}`;
  }
}

@Module({
  imports: [CacheModule.forRoot({ namespace: 'stale' })],
  controllers: [StaleController],
  providers: [Quotes],
})
class AppModule {}

/** Each request or call is one lookup: hit, stale, miss or bypass — never two of them. */
describe.each(PLATFORMS)(
  'stale answers count one lookup per request, on %s',
  (platform: Platform) => {
    let ctx: Awaited<ReturnType<typeof bootApp>>;
    const source = (name: string) => {
      const s = ctx.app.get(CacheService).stats({ bySource: true }).sources![name];
      return { lookups: s.hits + s.misses + s.staleHits + s.bypasses, staleHits: s.staleHits };
    };

    beforeAll(async () => {
      ctx = await bootApp(platform, AppModule);
    });
    afterAll(() => ctx.app.close());

    it('staleWhileRevalidate: the request served STALE during a refresh is one lookup', async () => {
      gate = deferred();
      gate.resolve();
      await ctx.http().get('/s/swr/1').expect('X-Cache', 'MISS');
      await sleep(80);
      gate = deferred();
      const refresh = ctx
        .http()
        .get('/s/swr/1')
        .then((r) => r);
      await sleep(50);
      await ctx.http().get('/s/swr/1').expect(200).expect('X-Cache', 'STALE');
      gate.resolve();
      await refresh;
      expect(source('StaleController.swr')).toEqual({ lookups: 3, staleHits: 1 });
    });

    it('staleIfError: the request served STALE after the handler failed is one lookup', async () => {
      failing = false;
      await ctx.http().get('/s/sie/1').expect('X-Cache', 'MISS');
      await sleep(80);
      failing = true;
      try {
        await ctx.http().get('/s/sie/1').expect(200).expect('X-Cache', 'STALE');
      } finally {
        failing = false;
      }
      expect(source('StaleController.sie')).toEqual({ lookups: 2, staleHits: 1 });
    });

    it('staleIfError on a provider method: the call answered stale is one lookup', async () => {
      const quotes = ctx.app.get(Quotes);
      await quotes.quote('1');
      await sleep(80);
      quotes.failing = true;
      try {
        await expect(quotes.quote('1')).resolves.toBe('q1');
      } finally {
        quotes.failing = false;
      }
      expect(source('Quotes.quote')).toEqual({ lookups: 2, staleHits: 1 });
    });
  },
);
