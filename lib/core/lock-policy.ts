import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { parseTtl, Ttl } from './ttl';

/**
 * `distributedLock` as written by the user (module, `@Cached`, `CacheService.wrap`): `true` for
 * the defaults, `false` for off, or the lease and the wait.
 * @example
 * CacheModule.forRoot({ store: redisStore({ url }), distributedLock: { lease: '30s', wait: '10s' } })
 */
export type DistributedLockOption =
  | boolean
  | {
      /** How long a holder keeps the lock without renewing it (it renews every third of it). @default '10s' */
      lease?: Ttl;
      /** How long others wait for the holder's result before computing themselves. @default '5s' */
      wait?: Ttl;
    };

/** A resolved distributed lock (ms). */
export interface LockPolicy {
  lease: number;
  wait: number;
}

/** What one place says: nothing (inherit), `false` (off), or the parts it sets. */
export type LockSetting = false | { lease?: number; wait?: number };

export const DEFAULT_LOCK: LockPolicy = { lease: 10_000, wait: 5_000 };

/** Validates a `distributedLock` value at decoration or bootstrap time. */
export function parseLockSetting(value: unknown, where: string): LockSetting | undefined {
  if (value === undefined || value === true) return value === true ? {} : undefined;
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(where, value);
  }
  const { lease, wait, ...rest } = value as { lease?: unknown; wait?: unknown };
  if (Object.keys(rest).length > 0) throw invalid(where, value);
  return {
    lease: finite(lease, `${where} distributedLock.lease`),
    wait: finite(wait, `${where} distributedLock.wait`),
  };
}

/** Applies a setting over what applies around it (the module's policy, or none). */
export function resolveLock(
  setting: LockSetting | undefined,
  base: LockPolicy | undefined,
): LockPolicy | undefined {
  if (setting === undefined) return base;
  if (setting === false) return undefined;
  return {
    lease: setting.lease ?? base?.lease ?? DEFAULT_LOCK.lease,
    wait: setting.wait ?? base?.wait ?? DEFAULT_LOCK.wait,
  };
}

/** A lock that never expires would block every instance forever after a crash: finite only. */
function finite(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseTtl(value, where);
  if (!Number.isFinite(ms)) {
    throw new CacheConfigError(messages.lockNotFinite(where), CacheErrorCode.InvalidTtl);
  }
  return ms;
}

function invalid(where: string, value: unknown): CacheConfigError {
  return new CacheConfigError(
    messages.invalidOption(where, 'distributedLock', 'true, false or { lease?, wait? }', value),
  );
}
