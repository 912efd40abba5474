import { Controller, Get, Module } from '@nestjs/common';
import { PAYLOAD, Payload } from '../app/workload';
import { defineVariant } from '../harness/variant';

@Controller()
class ItemController {
  @Get('item')
  item(): Payload {
    return PAYLOAD;
  }
}

@Module({ controllers: [ItemController] })
class LimitModule {}

export default defineVariant({
  title: 'limit (constant JSON, no cache)',
  role: 'limit',
  scenarios: ['hit'],
  notes: 'The ceiling for a hit: the framework answering a constant object, nothing else.',
  createModule: () => LimitModule,
});
