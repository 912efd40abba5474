import { Module } from '@nestjs/common';
import { MeController } from './auth/me.controller';
import { sampleCacheStore } from './cache-store';
import { CacheModule } from './nestjs-cached';
import { ProductsModule } from './products/products.module';
import { CacheStatsController } from './stats/cache-stats.controller';

/**
 * The products catalogue. The cache is global, so `ProductsModule` injects `CacheService` and uses
 * `@Cached` without importing `CacheModule`; entries live in the embedded in-memory store, or in
 * Redis when `REDIS_URL` is set (see `cache-store.ts` and `npm run sample:cluster`).
 */
@Module({
  imports: [
    // A factory, so every application built from this module gets its own store (and Redis L1).
    CacheModule.forRootAsync({
      isGlobal: true,
      useFactory: () => ({ ttl: '1m', store: sampleCacheStore() }),
    }),
    ProductsModule,
  ],
  controllers: [MeController, CacheStatsController],
})
export class AppModule {}
