/**
 * Hostile: CacheInterceptor subclasses whose trackBy throws, rejects or answers asynchronously,
 * and registerAsync stores given as cache-manager apps give them (a Keyv with a namespace, a
 * Keyv over a Map, a bare Map). A failing trackBy must never fail the request. Express and Fastify.
 */
import { Controller, ExecutionContext, Get, Injectable, Module, Type } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import Keyv from 'keyv';
import { Cache, CACHE_MANAGER, CacheInterceptor, CacheModule } from 'nestjs-cached/compat';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let calls = 0;

@Injectable()
class ThrowingInterceptor extends CacheInterceptor {
  override trackBy(): string | undefined {
    throw new Error('trackBy bug');
  }
}

@Injectable()
class RejectingInterceptor extends CacheInterceptor {
  override async trackBy(): Promise<string | undefined> {
    throw new Error('trackBy bug');
  }
}

@Injectable()
class AsyncInterceptor extends CacheInterceptor {
  override async trackBy(context: ExecutionContext): Promise<string | undefined> {
    await new Promise((r) => setImmediate(r));
    return `async:${await super.trackBy(context)}`;
  }
}

@Controller('things')
class ThingsController {
  @Get()
  list() {
    calls++;
    return { n: 1 };
  }
}

function appModule(interceptor: Type<CacheInterceptor>, stores?: unknown) {
  @Module({
    imports: [
      CacheModule.registerAsync({
        useFactory: async () => ({ ttl: 30_000, ...(stores === undefined ? {} : { stores }) }),
      }),
    ],
    controllers: [ThingsController],
    providers: [{ provide: APP_INTERCEPTOR, useClass: interceptor }],
  })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('odd CacheInterceptor subclasses and stores, %s', (platform: Platform) => {
  beforeEach(() => (calls = 0));

  it.each([
    ['throws', ThrowingInterceptor],
    ['rejects', RejectingInterceptor],
  ])('a trackBy that %s: 200 every time, uncached', async (_n, interceptor) => {
    const ctx = await bootApp(platform, appModule(interceptor));
    try {
      await ctx.http().get('/things').expect(200, { n: 1 });
      await ctx.http().get('/things').expect(200, { n: 1 });
      expect(calls).toBe(2);
    } finally {
      await ctx.app.close();
    }
  });

  it.each([
    ['a Keyv with a namespace', () => [new Keyv({ namespace: 'app' })]],
    ['a Keyv over a Map', () => [new Keyv(new Map())]],
    ['two stores (memory first, the shared one last)', () => [new Keyv(), new Keyv()]],
  ])('an async trackBy over %s caches, and CACHE_MANAGER sees the entry', async (_n, stores) => {
    const ctx = await bootApp(platform, appModule(AsyncInterceptor, stores()));
    try {
      await ctx.http().get('/things').expect('X-Cache', 'MISS');
      await ctx.http().get('/things').expect('X-Cache', 'HIT');
      expect(calls).toBe(1);
      const manager = ctx.app.get<Cache>(CACHE_MANAGER);
      expect(await manager.ttl('async:/things')).toBeGreaterThan(Date.now() + 20_000);
      await manager.del('async:/things');
      await ctx.http().get('/things').expect('X-Cache', 'MISS');
    } finally {
      await ctx.app.close();
    }
  });
});
