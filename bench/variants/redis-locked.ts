import { Controller, Get, Module } from '@nestjs/common';
import { Cached, CacheModule } from '../../lib';
import { redisStore } from '../../lib/redis';
import { Payload, work } from '../app/workload';
import { defineVariant } from '../harness/variant';

@Controller()
class ItemController {
  @Get('item')
  @Cached({ distributedLock: true })
  item(): Promise<Payload> {
    return work();
  }
}

@Module({
  imports: [
    CacheModule.forRootAsync({
      useFactory: () => ({
        namespace: 'bench-locked',
        store: redisStore({ url: process.env.REDIS_URL, l1: false }),
      }),
    }),
  ],
  controllers: [ItemController],
})
class RedisLockedModule {}

export default defineVariant({
  title: 'nestjs-cached (redis, distributedLock)',
  role: 'cache',
  scenarios: ['stampede'],
  cacheHeader: 'x-cache',
  notes:
    'redisStore({ url, l1: false }) with distributedLock: one handler run per cold key across every server process.',
  skipReason: () => (process.env.REDIS_URL ? undefined : 'REDIS_URL is not set'),
  targets: [{ kind: 'executions', max: 1 }],
  createModule: () => RedisLockedModule,
});
