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
        namespace: 'bench-l1',
        store: redisStore({ url: process.env.REDIS_URL }),
      }),
    }),
  ],
  controllers: [ItemController],
})
class RedisL1Module {}

export default defineVariant({
  title: 'nestjs-cached (redis, L1 hit)',
  role: 'cache',
  scenarios: ['hit', 'miss', 'stampede'],
  cacheHeader: 'x-cache',
  notes: 'redisStore({ url }) with its default L1: a hit is served from L1, no Redis round trip.',
  skipReason: () => (process.env.REDIS_URL ? undefined : 'REDIS_URL is not set'),
  targets: [{ kind: 'executions', max: 1 }],
  createModule: () => RedisL1Module,
});
