import { Controller, Get, Module } from '@nestjs/common';
import { Cached, CacheModule } from '../../lib';
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

@Module({ imports: [CacheModule.forRoot()], controllers: [ItemController] })
class NestjsCachedModule {}

export default defineVariant({
  title: 'nestjs-cached (memory)',
  role: 'cache',
  scenarios: ['hit', 'miss', 'stampede'],
  cacheHeader: 'x-cache',
  notes: 'CacheModule.forRoot() + @Cached() on the GET handler (library source, lib/).',
  targets: [
    { kind: 'cpu-ratio', scenario: 'hit', versus: 'limit', max: 1.1 },
    { kind: 'cpu-ratio', scenario: 'hit', versus: 'cache-manager', max: 1, strict: true },
    { kind: 'cpu-ratio', scenario: 'miss', versus: 'uncached', max: 1.15 },
    { kind: 'cpu-ratio', scenario: 'miss', versus: 'cache-manager', max: 0.9 },
    { kind: 'cpu-ratio', scenario: 'hit', versus: 'interceptor-floor', max: 1.03 },
    { kind: 'executions', max: 1 },
  ],
  createModule: () => NestjsCachedModule,
});
