import { CacheErrorCode } from './cache-error-code';

/** A value that cannot be stored faithfully (it holds a function, a symbol or a cycle). */
export class NotStorableError extends Error {
  override readonly name = 'NotStorableError';
  readonly code = CacheErrorCode.NotStorable;

  constructor(readonly reason: string) {
    super(reason);
  }
}
