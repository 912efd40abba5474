/**
 * The Redis entry point, re-exported for the sample as `nestjs-cached.ts` re-exports the root. In a
 * real application:
 *
 *   import { redisStore } from 'nestjs-cached/redis';
 */
export * from '../lib/redis';
