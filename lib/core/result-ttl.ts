import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { messages } from '../errors/cache.messages';
import { outsideStrict } from './strict-scope';
import { parseTtl } from './ttl';

/** Logs a warning once per id and minute, so a hot call site cannot flood the logs. */
export class WarnOnce {
  private readonly seen = new LRUCache<string, true>({ max: 1_000, ttl: 60_000 });

  constructor(private readonly logger: Logger) {}

  warn(id: string, message: () => string): void {
    if (this.seen.has(id)) return;
    this.seen.set(id, true);
    this.logger.warn(message());
  }
}

/**
 * The ttl (ms) a `ttl: (value) => Ttl` function gives `value`, or `undefined` when it throws or
 * answers something that is not a duration: the value is then not stored, and one warning names
 * `where` (the key, or `Class@method`).
 */
export function resultTtl(
  where: string,
  value: unknown,
  ttlOf: (value: any) => unknown,
  warned: WarnOnce,
): number | undefined {
  let answer: unknown;
  try {
    // User code: a strict call's store failures are its own, not those of calls made in here.
    answer = outsideStrict(() => ttlOf(value));
  } catch (error) {
    warned.warn(where, () => messages.resultTtlInvalid(where, undefined, error));
    return undefined;
  }
  try {
    return parseTtl(answer, where);
  } catch {
    warned.warn(where, () => messages.resultTtlInvalid(where, answer));
    return undefined;
  }
}
