import { ExecutionContext } from '@nestjs/common';

/**
 * Builds the key of an HTTP entry. Implement it on an `@Injectable()` class: it can inject anything.
 * Return `undefined` to bypass the cache for this request.
 * @example
 * @Injectable()
 * class TenantKeyFactory implements CacheKeyFactory {
 *   constructor(private readonly tenants: TenantService) {}
 *   build(ctx: ExecutionContext, defaultKey: string) {
 *     return `${this.tenants.current(ctx)}:${defaultKey}`;
 *   }
 * }
 */
export interface CacheKeyFactory {
  build(
    ctx: ExecutionContext,
    defaultKey: string,
  ): string | undefined | Promise<string | undefined>;
}

/** A class whose instances are `CacheKeyFactory`s, resolved through Nest's DI. */
export type CacheKeyFactoryClass = new (...args: any[]) => CacheKeyFactory;
