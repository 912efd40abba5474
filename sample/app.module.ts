import { Module } from '@nestjs/common';
import { MeController } from './auth/me.controller';
import { CacheModule } from './nestjs-cached';
import { ProductsModule } from './products/products.module';
import { CacheStatsController } from './stats/cache-stats.controller';

/**
 * The products catalogue. The cache is global, so `ProductsModule` injects `CacheService` and uses
 * `@Cached` without importing `CacheModule`; entries live in the embedded in-memory store.
 */
@Module({
  imports: [CacheModule.forRoot({ ttl: '1m', isGlobal: true }), ProductsModule],
  controllers: [MeController, CacheStatsController],
})
export class AppModule {}
