import type { Lookup } from '../../core/cache.engine';

const EARLY = Symbol('nestjs-cached.early-lookup');

interface Early {
  storeKey: string;
  found: Lookup;
}

/** Keeps what the fast path read for a request it did not answer (a miss, a stale entry). */
export function keepEarlyLookup(req: unknown, storeKey: string, found: Lookup): void {
  (req as { [EARLY]?: Early })[EARLY] = { storeKey, found };
}

/**
 * What the fast path read for this request under `storeKey`, once: the standard path then makes
 * no second read of the store (a second round trip, on a remote store).
 */
export function takeEarlyLookup(req: unknown, storeKey: string): Lookup | undefined {
  const holder = req as { [EARLY]?: Early };
  const early = holder[EARLY];
  if (early === undefined) return undefined;
  holder[EARLY] = undefined;
  return early.storeKey === storeKey ? early.found : undefined;
}
