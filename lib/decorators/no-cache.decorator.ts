import { SetMetadata } from '@nestjs/common';
import { NO_CACHE_METADATA } from '../cache.constants';

/**
 * Opts one handler out of a class-level `@Cached`.
 * @example
 * @Cached('1m') @Controller('products') class ProductsController {
 *   @Get('random') @NoCache() random() {}
 * }
 */
export const NoCache = (): MethodDecorator => SetMetadata(NO_CACHE_METADATA, true);
