import { Controller, Get, Module, Query } from '@nestjs/common';
import { Cached, CacheModule, memoryStore } from '../../lib';
import { NumberedPayload, numberedPayload } from '../app/workload';
import { defineVariant } from '../harness/variant';

const MiB = 1024 * 1024;
const MAX_BYTES = 64 * MiB;

@Controller()
class ItemController {
  @Get('item')
  @Cached()
  item(@Query('u') u: string): Promise<NumberedPayload> {
    return numberedPayload(u);
  }
}

// maxEntries is raised to the URL count: with the default (10,000) the entry count, not maxBytes,
// would bound the store long before 64 MiB, and the test would say nothing about maxBytes.
@Module({
  imports: [
    CacheModule.forRoot({ store: memoryStore({ maxEntries: 1_000_000, maxBytes: MAX_BYTES }) }),
  ],
  controllers: [ItemController],
})
class BoundedModule {}

export default defineVariant({
  title: 'nestjs-cached memoryStore({ maxBytes: 64 MiB })',
  role: 'cache',
  scenarios: ['memory'],
  cacheHeader: 'x-cache',
  notes:
    'memoryStore({ maxEntries: 1_000_000, maxBytes: 64 MiB }) so that maxBytes is the bound; ' +
    'each URL answers a fresh copy of the payload with its own n.',
  targets: [
    { kind: 'rss-growth', maxBytes: 2 * MAX_BYTES + 50 * MiB },
    { kind: 'heap-growth', versus: 'memory-control', maxBytes: 1.25 * MAX_BYTES },
  ],
  createModule: () => BoundedModule,
});
