/**
 * Hostile: the articles-API pattern of @nestjs/cache-manager apps — a global CacheInterceptor, and
 * every write calling `cacheManager.clear()` (or `del(url)`) — while a GET that read the old data
 * is still in flight. The old response must not be stored after the write: no stale data after an
 * update. Express and Fastify.
 */
import { Controller, Get, Inject, Module, Post, Put } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Cache, CACHE_MANAGER, CacheInterceptor, CacheModule } from 'nestjs-cached/compat';
import { deferred, Deferred } from '../helpers/deferred';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let title = 'v1';
let gate: Deferred | undefined;
let entered: Deferred | undefined;

@Controller('articles')
class ArticlesController {
  constructor(@Inject(CACHE_MANAGER) private readonly cacheManager: Cache) {}

  @Get()
  async list() {
    const snapshot = title;
    entered?.resolve();
    await gate?.promise;
    return { title: snapshot };
  }

  @Post()
  async create() {
    title = 'v2';
    await this.cacheManager.clear();
    return { ok: true };
  }

  @Put()
  async update() {
    title = 'v3';
    await this.cacheManager.del('/articles');
    return { ok: true };
  }
}

@Module({
  imports: [CacheModule.register({ ttl: 60_000 })],
  controllers: [ArticlesController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: CacheInterceptor }],
})
class AppModule {}

describe.each(PLATFORMS)('writes racing an in-flight GET, %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(async () => (ctx = await bootApp(platform, AppModule)));
  afterAll(() => ctx.app.close());

  it.each([
    ['POST that clear()s', 'post', 'v2'],
    ['PUT that del(url)s', 'put', 'v3'],
  ] as const)(
    '%s: the response read before it is not served afterwards',
    async (_n, verb, after) => {
      await ctx.app.get<Cache>(CACHE_MANAGER).clear();
      title = 'v1';
      gate = deferred();
      entered = deferred();
      const inFlight = ctx
        .http()
        .get('/articles')
        .then((r) => r);
      await entered.promise;
      const agent = ctx.http();
      const write = verb === 'post' ? agent.post('/articles') : agent.put('/articles');
      await write.expect(verb === 'post' ? 201 : 200);
      gate.resolve();
      expect((await inFlight).body).toEqual({ title: 'v1' });
      gate = undefined;
      entered = undefined;
      const next = await ctx.http().get('/articles').expect(200);
      expect(next.body).toEqual({ title: after });
      const again = await ctx.http().get('/articles').expect(200);
      expect(again.body).toEqual({ title: after });
    },
  );
});
