import { CacheInterceptor, CacheModule } from '@nestjs/cache-manager';
import { createKeyv } from '@keyv/redis';
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

@Module({
  imports: [
    CacheModule.registerAsync({
      useFactory: () => ({
        ttl: 300_000,
        stores: [createKeyv(process.env.REDIS_URL, { namespace: 'bench-cm' })],
      }),
    }),
  ],
  controllers: [ItemController],
})
class CacheManagerRedisModule {}

export default defineVariant({
  title: '@nestjs/cache-manager (redis)',
  role: 'cache',
  scenarios: ['hit', 'miss', 'stampede'],
  cacheHeader: 'x-cache',
  notes: "CacheModule.registerAsync({ stores: [createKeyv(REDIS_URL)] }) from '@keyv/redis'.",
  skipReason: () => (process.env.REDIS_URL ? undefined : 'REDIS_URL is not set'),
  createModule: () => CacheManagerRedisModule,
});
