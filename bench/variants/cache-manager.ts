import { CacheInterceptor, CacheModule } from '@nestjs/cache-manager';
import { Controller, Get, Module, UseInterceptors } from '@nestjs/common';
import { Payload, work } from '../app/workload';
import { defineVariant } from '../harness/variant';

@Controller()
class ItemController {
  @Get('item')
  @UseInterceptors(CacheInterceptor)
  item(): Promise<Payload> {
    return work();
  }
}

// Same 5 min TTL as nestjs-cached's default; the store is cache-manager's default (Keyv in memory).
@Module({ imports: [CacheModule.register({ ttl: 300_000 })], controllers: [ItemController] })
class CacheManagerModule {}

export default defineVariant({
  title: '@nestjs/cache-manager (memory)',
  role: 'cache',
  scenarios: ['hit', 'miss', 'stampede'],
  cacheHeader: 'x-cache',
  notes: 'CacheModule.register({ ttl: 300_000 }) + @UseInterceptors(CacheInterceptor).',
  createModule: () => CacheManagerModule,
});
