import { MaybePromise } from '../stores/cache-store.interface';

/** True for a Promise or any object with a `then` method. */
export function isThenable<T = unknown>(value: unknown): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Applies `next` to a value or, once it settles, to a promise's value, staying sync when it can. */
export function then<T, R>(
  value: T | PromiseLike<T>,
  next: (value: T) => MaybePromise<R>,
): MaybePromise<R> {
  return isThenable<T>(value) ? Promise.resolve(value).then(next) : next(value);
}
