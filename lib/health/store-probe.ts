import { CacheStore } from '../stores/cache-store.interface';

/** The longest delay a Node timer holds: a longer one (or `Infinity`) would fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Reads one key of the store within `timeoutMs`; resolves the failure, or `undefined`. */
export async function probeStore(
  store: CacheStore,
  key: string,
  timeoutMs: number,
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const delay = Math.min(timeoutMs, MAX_TIMER_MS);
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), delay);
    timer.unref?.();
  });
  try {
    await Promise.race([Promise.resolve().then(() => store.get(key)), deadline]);
    return undefined;
  } catch (error) {
    return error ?? new Error('the store failed');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The error a strict check throws: Terminus (10 and 11) recognises it by `isHealthCheckError` and
 * reports `causes`, with a 503.
 */
export function healthCheckError(key: string, details: object): Error {
  const error = new Error(`${key} is down`) as Error & {
    isHealthCheckError: true;
    causes: Record<string, object>;
  };
  error.isHealthCheckError = true;
  error.causes = { [key]: details };
  return error;
}
