import { Controller, Get } from '@nestjs/common';
import { CacheService, CacheStats } from '../nestjs-cached';

/** `GET /cache/stats`: the cache's counters since the application started. */
@Controller('cache')
export class CacheStatsController {
  constructor(private readonly cache: CacheService) {}

  @Get('stats')
  stats(): CacheStats {
    return this.cache.stats();
  }
}
