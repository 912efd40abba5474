import { runInThisContext } from 'node:vm';

/**
 * Records unhandled rejections on the real process. Jest gives each test file a copy of `process`
 * whose listeners never fire, so the real one is reached through the main context.
 */
export function watchUnhandledRejections(): { reasons: unknown[]; stop(): void } {
  const real = runInThisContext('process') as NodeJS.Process;
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => reasons.push(reason);
  real.on('unhandledRejection', listener);
  return { reasons, stop: () => real.off('unhandledRejection', listener) };
}
