import { Controller, Get, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
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

@Module({
  imports: [CacheModule.forRoot({ metrics: { prometheus: { registry: new Registry() } } })],
  controllers: [ItemController],
})
class PrometheusModule {}

export default defineVariant({
  title: 'nestjs-cached (memory, Prometheus on)',
  role: 'cache',
  scenarios: ['hit'],
  cacheHeader: 'x-cache',
  notes: 'As nestjs-cached, with metrics: { prometheus } (read at scrape time; nothing scrapes).',
  targets: [{ kind: 'cpu-ratio', scenario: 'hit', versus: 'nestjs-cached', max: 1.05 }],
  createModule: () => PrometheusModule,
});
