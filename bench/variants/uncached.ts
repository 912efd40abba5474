import { Controller, Get, Module } from '@nestjs/common';
import { Payload, work } from '../app/workload';
import { defineVariant } from '../harness/variant';

@Controller()
class ItemController {
  @Get('item')
  item(): Promise<Payload> {
    return work();
  }
}

@Module({ controllers: [ItemController] })
class UncachedModule {}

export default defineVariant({
  title: 'uncached (2 ms timer)',
  role: 'uncached',
  scenarios: ['hit', 'miss', 'stampede'],
  notes: 'The same route with 2 ms of simulated work (an awaited timer), no cache.',
  createModule: () => UncachedModule,
});
