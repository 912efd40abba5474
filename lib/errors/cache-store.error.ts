import { CacheErrorCode } from './cache-error-code';

/** A store call that failed or took longer than `storeTimeout`; contained, never thrown to a reader. */
export class CacheStoreError extends Error {
  override readonly name = 'CacheStoreError';

  constructor(
    message: string,
    readonly code: CacheErrorCode,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}
