import { Controller, Get, Module } from '@nestjs/common';
import { Cached, CacheModule } from '../../lib';
import { redisStore } from '../../lib/redis';
import { Payload, work } from '../app/workload';
import { defineVariant } from '../harness/variant';

@Controller()
class ItemController {
  @Get('item')
  @Cached()
  item(): Promise<Payload> {
    return work();
  }
}

@Module({
  imports: [
    CacheModule.forRootAsync({
      useFactory: () => ({
        namespace: 'bench-remote',
        store: redisStore({ url: process.env.REDIS_URL, l1: false }),
      }),
    }),
  ],
  controllers: [ItemController],
})
class RedisRemoteModule {}

export default defineVariant({
  title: 'nestjs-cached (redis, no L1)',
  role: 'cache',
  scenarios: ['hit', 'miss', 'stampede'],
  cacheHeader: 'x-cache',
  notes:
    'redisStore({ url, l1: false }): every hit is one Redis round trip (MGET of the entry and its tag versions).',
  skipReason: () => (process.env.REDIS_URL ? undefined : 'REDIS_URL is not set'),
  targets: [{ kind: 'executions', max: 1 }],
  createModule: () => RedisRemoteModule,
});
