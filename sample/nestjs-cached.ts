/**
 * The sample runs against this repository's sources rather than a built package, and ts-node has no
 * path mapping without `tsconfig-paths`, so every sample file imports the library through this
 * re-export. In a real application, import from the package instead:
 *
 *   import { Cached, CacheModule, CacheService } from 'nestjs-cached';
 */
export * from '../lib';
