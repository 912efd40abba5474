/**
 * Hostile: cache-manager apps often apply CacheInterceptor twice (globally and again with
 * `@UseInterceptors` on a controller), and configure through `registerAsync({ useClass })`.
 * One handler run per key, one X-Cache value, HEAD served from the GET entry. Express and Fastify.
 */
import { Controller, Get, Injectable, Module, UseInterceptors } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import {
  Cache,
  CACHE_MANAGER,
  CacheInterceptor,
  CacheModule,
  CacheOptionsFactory,
} from 'nestjs-cached/compat';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let calls = 0;

@Injectable()
class CacheConfig implements CacheOptionsFactory {
  createCacheOptions() {
    return { ttl: 45_000 };
  }
}

@Controller('twice')
@UseInterceptors(CacheInterceptor)
class TwiceController {
  @Get()
  list() {
    calls++;
    return { twice: true };
  }
}

@Module({
  imports: [CacheModule.registerAsync({ useClass: CacheConfig })],
  controllers: [TwiceController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: CacheInterceptor }],
})
class AppModule {}

describe.each(PLATFORMS)('CacheInterceptor applied twice, %s', (platform: Platform) => {
  it('runs the handler once, answers one X-Cache value, and HEAD reads the GET entry', async () => {
    calls = 0;
    const ctx = await bootApp(platform, AppModule);
    try {
      const miss = await ctx.http().get('/twice').expect(200, { twice: true });
      const hit = await ctx.http().get('/twice').expect(200, { twice: true });
      expect([miss.headers['x-cache'], hit.headers['x-cache']]).toEqual(['MISS', 'HIT']);
      await ctx.http().head('/twice').expect(200);
      expect(calls).toBe(1);
      const expires = await ctx.app.get<Cache>(CACHE_MANAGER).ttl('/twice');
      expect(expires).toBeGreaterThan(Date.now() + 40_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 45_000);
    } finally {
      await ctx.app.close();
    }
  });
});
