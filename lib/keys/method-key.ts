import { createHash } from 'node:crypto';
import { stableStringify } from './stable-stringify';

const INLINE_LIMIT = 100;

/**
 * The default key of a provider method call: `Class.method:` and the arguments' stable text
 * (object key order ignored; Date, Buffer, Map, Set, BigInt by value), or a SHA-256 of it when
 * long. The text always starts with `[`, a hash never does, so the two forms cannot meet.
 * Throws a `TypeError` whose message says why for arguments that hold functions, symbols or cycles.
 */
export function defaultMethodKey(prefix: string, args: readonly unknown[]): string {
  const text = stableStringify(args);
  if (text.length <= INLINE_LIMIT) return `${prefix}:${text}`;
  return `${prefix}:${createHash('sha256').update(text).digest('base64url')}`;
}
