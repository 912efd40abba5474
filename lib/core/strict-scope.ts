import { AsyncLocalStorage } from 'node:async_hooks';

/** The store failures seen during one strict call. */
interface StrictCall {
  failures: unknown[];
}

/**
 * Lets a strict `CacheService` call learn whether the store failed underneath it, without
 * changing what the engine does: the guarded store reports each failure it contains here, and
 * only calls run inside `strictly` collect them. Nothing is recorded (and no async context is
 * created) for ordinary calls.
 */
const scope = new AsyncLocalStorage<StrictCall>();

/** Called by the guarded store for each store call that threw, rejected or timed out. */
export function reportStoreFailure(error: unknown): void {
  scope.getStore()?.failures.push(error);
}

/**
 * Runs `body` as a strict call: `failed()` tells whether a store call made on its behalf so far
 * failed (the first failure).
 */
export function strictly<T>(body: (failed: () => unknown) => Promise<T>): Promise<T> {
  const call: StrictCall = { failures: [] };
  return scope.run(call, () => body(() => call.failures[0]));
}

/** Runs `fn` outside any strict call (user code such as a `wrap` factory). */
export function outsideStrict<T>(fn: () => T): T {
  return scope.getStore() === undefined ? fn() : scope.exit(fn);
}
