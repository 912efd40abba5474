import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';

/**
 * A duration: milliseconds, a string such as `'250ms' | '30s' | '5m' | '2h' | '1d'`, or
 * `Infinity` (never expires).
 * @example
 * @Cached('30s')  // or @Cached(30_000)
 */
export type Ttl = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)$/;

/** True when `value` is a string that reads as a duration (`'30s'`), used to tell ttl from key. */
export function isDurationString(value: string): boolean {
  return DURATION.test(value.trim());
}

/**
 * Converts a ttl to milliseconds (`Infinity` stays). Throws `CacheConfigError` naming `where`
 * for zero, negative, NaN and unparsable values.
 */
export function parseTtl(value: unknown, where: string): number {
  if (typeof value === 'number') {
    if (value === Infinity || (Number.isFinite(value) && value > 0)) return value;
    throw new CacheConfigError(messages.invalidTtl(where, value), CacheErrorCode.InvalidTtl);
  }
  if (typeof value === 'string') {
    if (isBareNumber(value) && Number(value) > 0) {
      throw new CacheConfigError(messages.ambiguousTtl(where, value), CacheErrorCode.InvalidTtl);
    }
    const match = DURATION.exec(value.trim());
    const ms = match ? Number(match[1]) * UNIT_MS[match[2]] : NaN;
    if (ms > 0) return ms;
  }
  throw new CacheConfigError(messages.invalidTtl(where, value), CacheErrorCode.InvalidTtl);
}

/** True for a number written as a string (`'60'`, as environment variables are): ambiguous. */
export function isBareNumber(value: string): boolean {
  return /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(value);
}

/** Like `parseTtl`, but `undefined` stays `undefined` (an option left out). */
export function parseOptionalTtl(value: unknown, where: string): number | undefined {
  return value === undefined ? undefined : parseTtl(value, where);
}
