/**
 * Hostile: code ported verbatim from @nestjs/cache-manager apps and the NestJS caching docs —
 * CacheInterceptor subclasses that use the base class's `httpAdapterHost` / `reflector` /
 * `isRequestCacheable`, registerAsync with ConfigModule and Keyv stores, @CacheTTL(0), writes
 * followed by `del(url)`. Express and Fastify.
 */
import {
  Controller,
  ExecutionContext,
  Get,
  Inject,
  Injectable,
  Module,
  Post,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_INTERCEPTOR } from '@nestjs/core';
import Keyv from 'keyv';
import {
  Cache,
  CACHE_KEY_METADATA,
  CACHE_MANAGER,
  CacheInterceptor,
  CacheKey,
  CacheModule,
  CacheTTL,
} from 'nestjs-cached/compat';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

/** The NestJS docs' HttpCacheInterceptor, using the base class's httpAdapterHost and reflector. */
@Injectable()
class HttpCacheInterceptor extends CacheInterceptor {
  override trackBy(context: ExecutionContext): string | undefined {
    const request = context.switchToHttp().getRequest();
    const { httpAdapter } = this.httpAdapterHost;
    const fixed = this.reflector.get(CACHE_KEY_METADATA, context.getHandler());
    if (fixed) return fixed;
    const isGetRequest = httpAdapter.getRequestMethod(request) === 'GET';
    const excludePaths = ['/articles/live'];
    if (!isGetRequest || excludePaths.includes(httpAdapter.getRequestUrl(request))) {
      return undefined;
    }
    return httpAdapter.getRequestUrl(request);
  }
}

/** Another common pattern: only isRequestCacheable overridden, to exclude some paths. */
@Injectable()
class ExcludingInterceptor extends CacheInterceptor {
  protected override isRequestCacheable(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest();
    return super.isRequestCacheable(context) && !String(req.url).startsWith('/articles/live');
  }
}

/** trackBy answering '' (cache-manager: `if (!key)` → not cached). */
@Injectable()
class EmptyKeyInterceptor extends CacheInterceptor {
  override trackBy(): string | undefined {
    return '';
  }
}

@Injectable()
class ArticlesService {
  constructor(@Inject(CACHE_MANAGER) private readonly cacheManager: Cache) {}
  async update() {
    await this.cacheManager.del('/articles');
  }
}

@Controller('articles')
class ArticlesController {
  constructor(private readonly articles: ArticlesService) {}

  @Get()
  list() {
    count('list');
    return [{ id: 1 }];
  }

  @Get('live')
  live() {
    count('live');
    return { at: calls.live };
  }

  @Get('forever')
  @CacheTTL(0)
  forever() {
    count('forever');
    return { ok: true };
  }

  @Get('named')
  @CacheKey('named-key')
  named() {
    count('named');
    return { ok: true };
  }

  @Post()
  async create() {
    count('create');
    await this.articles.update();
    return { created: true };
  }
}

function appModule(interceptor: typeof CacheInterceptor) {
  @Module({
    imports: [
      ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ CACHE_TTL: 60_000 })] }),
      CacheModule.registerAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: async (config: ConfigService) => ({
          stores: [new Keyv()],
          ttl: config.get<number>('CACHE_TTL'),
        }),
      }),
    ],
    controllers: [ArticlesController],
    providers: [ArticlesService, { provide: APP_INTERCEPTOR, useClass: interceptor }],
  })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('ported @nestjs/cache-manager interceptors, %s', (platform: Platform) => {
  beforeEach(() => (calls = {}));

  it("the NestJS docs' HttpCacheInterceptor (this.httpAdapterHost, this.reflector) caches and excludes", async () => {
    const ctx = await bootApp(platform, appModule(HttpCacheInterceptor));
    try {
      await ctx.http().get('/articles').expect(200);
      await ctx.http().get('/articles').expect(200);
      await ctx.http().get('/articles/live').expect(200);
      await ctx.http().get('/articles/live').expect(200);
      await ctx.http().get('/articles/named').expect(200);
      await ctx.http().get('/articles/named').expect(200);
      // documented: an HTTP entry read through CACHE_MANAGER is the body as text
      expect(await ctx.app.get<Cache>(CACHE_MANAGER).get('named-key')).toBe('{"ok":true}');
      expect(calls).toEqual({ list: 1, live: 2, named: 1 });
    } finally {
      await ctx.app.close();
    }
  });

  it('a trackBy keyed by URL alone still never shares a response between authenticated users', async () => {
    const ctx = await bootApp(platform, appModule(HttpCacheInterceptor));
    try {
      for (const user of ['a', 'b', 'a']) {
        await ctx
          .http()
          .get('/articles')
          .set('Authorization', `Bearer ${user}`)
          .expect('X-Cache', 'BYPASS');
      }
      expect(calls.list).toBe(3);
    } finally {
      await ctx.app.close();
    }
  });

  it('an isRequestCacheable override excludes paths; a write that del()s the URL is seen at once', async () => {
    const ctx = await bootApp(platform, appModule(ExcludingInterceptor));
    try {
      await ctx.http().get('/articles/live').expect(200);
      await ctx.http().get('/articles/live').expect(200);
      await ctx.http().get('/articles').expect('X-Cache', 'MISS');
      await ctx.http().get('/articles').expect('X-Cache', 'HIT');
      await ctx.http().post('/articles').expect(201);
      await ctx.http().post('/articles').expect(201);
      await ctx.http().get('/articles').expect('X-Cache', 'MISS');
      expect(calls).toEqual({ live: 2, list: 2, create: 2 });
    } finally {
      await ctx.app.close();
    }
  });

  it("@CacheTTL(0) keeps the entry with no expiry; registerAsync's ttl from ConfigService applies elsewhere", async () => {
    const ctx = await bootApp(platform, appModule(CacheInterceptor));
    try {
      await ctx.http().get('/articles/forever').expect('X-Cache', 'MISS');
      await ctx.http().get('/articles/forever').expect('X-Cache', 'HIT');
      await ctx.http().get('/articles').expect('X-Cache', 'MISS');
      const manager = ctx.app.get<Cache>(CACHE_MANAGER);
      expect(await manager.ttl('/articles/forever')).toBeUndefined();
      const expires = await manager.ttl('/articles');
      expect(expires).toBeGreaterThan(Date.now() + 50_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 60_000);
    } finally {
      await ctx.app.close();
    }
  });

  it("trackBy answering '' is not cached (cache-manager bypasses any falsy key)", async () => {
    const ctx = await bootApp(platform, appModule(EmptyKeyInterceptor));
    try {
      await ctx.http().get('/articles').expect(200);
      await ctx.http().get('/articles').expect(200);
      expect(calls.list).toBe(2);
    } finally {
      await ctx.app.close();
    }
  });
});
