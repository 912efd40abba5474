import { CacheModuleOptions } from './cache-module-options.interface';

/**
 * A class that builds the module options, for `CacheModule.forRootAsync({ useClass })`.
 * @example
 * @Injectable()
 * class CacheConfig implements CacheOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   createCacheOptions() { return { ttl: this.config.get('CACHE_TTL') }; }
 * }
 */
export interface CacheOptionsFactory {
  createCacheOptions(): CacheModuleOptions | Promise<CacheModuleOptions>;
}
