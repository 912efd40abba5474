import { Controller, Get, Module } from '@nestjs/common';
import { Cached, CacheModule } from '../../lib';
import { Payload, work } from '../app/workload';
import { defineVariant } from '../harness/variant';

@Controller()
class ItemController {
  @Get('item')
  @Cached({ scope: 'public' })
  item(): Promise<Payload> {
    return work();
  }
}

@Module({ imports: [CacheModule.forRoot({ fastPath: true })], controllers: [ItemController] })
class FastPathModule {}

export default defineVariant({
  title: 'nestjs-cached (memory, fast path)',
  role: 'cache',
  scenarios: ['hit', 'miss'],
  cacheHeader: 'x-cache',
  notes:
    "CacheModule.forRoot({ fastPath: true }) + @Cached({ scope: 'public' }): hits answered " +
    "before Nest's pipeline (Express: a handler in front of the route's; Fastify: preHandler).",
  targets: [
    { kind: 'cpu-ratio', scenario: 'hit', versus: 'limit', max: 0.9, platform: 'express' },
    { kind: 'cpu-ratio', scenario: 'hit', versus: 'limit', max: 1.0, platform: 'fastify' },
  ],
  createModule: () => FastPathModule,
});
