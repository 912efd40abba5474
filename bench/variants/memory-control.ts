import { Controller, Get, Module, Query } from '@nestjs/common';
import { NumberedPayload, numberedPayload } from '../app/workload';
import { defineVariant } from '../harness/variant';

@Controller()
class ItemController {
  @Get('item')
  item(@Query('u') u: string): Promise<NumberedPayload> {
    return numberedPayload(u);
  }
}

@Module({ controllers: [ItemController] })
class MemoryControlModule {}

export default defineVariant({
  title: 'control: same route, no cache',
  role: 'uncached',
  scenarios: ['memory'],
  notes: 'The memory-bound route without a cache: the RSS growth the framework alone shows.',
  createModule: () => MemoryControlModule,
});
