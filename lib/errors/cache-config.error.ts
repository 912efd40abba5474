import { CacheErrorCode } from './cache-error-code';

/**
 * A configuration mistake, thrown at decoration or bootstrap time (or by a `CacheService` call
 * given a bad option), never while serving a request.
 * @example
 * try { parseTtl('soon') } catch (e) { if (e instanceof CacheConfigError) console.log(e.code) }
 */
export class CacheConfigError extends Error {
  override readonly name = 'CacheConfigError';

  constructor(
    message: string,
    /** Stable code, e.g. `E_INVALID_TTL`. */
    readonly code: CacheErrorCode = CacheErrorCode.InvalidOption,
  ) {
    super(message);
  }
}
