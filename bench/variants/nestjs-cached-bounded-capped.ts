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

@Module({
  imports: [
    CacheModule.forRoot({ store: memoryStore({ maxEntries: 1_000_000, maxBytes: MAX_BYTES }) }),
  ],
  controllers: [ItemController],
})
class CappedModule {}

/** The bounded variant with V8's old space capped, as docs/performance.md advises. */
export default defineVariant({
  title: 'nestjs-cached maxBytes 64 MiB, --max-old-space-size=192',
  role: 'cache',
  scenarios: ['memory'],
  cacheHeader: 'x-cache',
  notes:
    'As nestjs-cached-bounded, with node --max-old-space-size=192 (3 × maxBytes): V8 collects ' +
    'before it reserves more heap, so peak RSS follows the live set.',
  nodeFlags: ['--max-old-space-size=192'],
  targets: [
    { kind: 'rss-growth', maxBytes: 2 * MAX_BYTES + 50 * MiB },
    { kind: 'heap-growth', versus: 'memory-control', maxBytes: 1.25 * MAX_BYTES },
  ],
  createModule: () => CappedModule,
});
