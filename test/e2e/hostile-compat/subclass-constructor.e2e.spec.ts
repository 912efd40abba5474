/**
 * Hostile: a CacheInterceptor subclass with its own constructor, as real @nestjs/cache-manager
 * apps write it (`constructor(@Inject(CACHE_MANAGER) cacheManager, reflector: Reflector) {
 * super(cacheManager, reflector); }`, to inject a ConfigService next to them). Express and Fastify.
 */
import { Controller, ExecutionContext, Get, Inject, Injectable, Module } from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { Cache, CACHE_MANAGER, CacheInterceptor, CacheModule } from 'nestjs-cached/compat';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let calls = 0;

@Injectable()
class Settings {
  readonly prefix = 'v1';
}

@Injectable()
class PrefixedCacheInterceptor extends CacheInterceptor {
  constructor(
    @Inject(CACHE_MANAGER) cacheManager: Cache,
    reflector: Reflector,
    private readonly settings: Settings,
  ) {
    super(cacheManager, reflector);
  }

  override trackBy(context: ExecutionContext): string | undefined {
    const url = context.switchToHttp().getRequest().url;
    return `${this.settings.prefix}:${url}`;
  }
}

@Controller('items')
class ItemsController {
  @Get()
  list() {
    calls++;
    return [1, 2];
  }
}

@Module({
  imports: [CacheModule.register()],
  controllers: [ItemsController],
  providers: [Settings, { provide: APP_INTERCEPTOR, useClass: PrefixedCacheInterceptor }],
})
class AppModule {}

describe.each(PLATFORMS)(
  'a CacheInterceptor subclass calling super(cacheManager, reflector), %s',
  (platform: Platform) => {
    it('boots and caches under the key its trackBy returns', async () => {
      calls = 0;
      const ctx = await bootApp(platform, AppModule);
      try {
        await ctx.http().get('/items').expect(200, [1, 2]);
        await ctx.http().get('/items').expect(200, [1, 2]);
        expect(calls).toBe(1);
        expect(await ctx.app.get<Cache>(CACHE_MANAGER).ttl('v1:/items')).toBeGreaterThan(
          Date.now(),
        );
      } finally {
        await ctx.app.close();
      }
    });
  },
);
