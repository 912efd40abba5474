import type { BenchConfig } from '../config';
import type { ServerPool } from '../harness/server-pool';
import type { NamedVariant, Platform, Scenario } from '../harness/variant';

export interface SuiteContext {
  config: BenchConfig;
  pool: ServerPool;
  variants: NamedVariant[];
  logDir: string;
  /** `Date.now()` past which suites stop starting new work. */
  deadline: number;
  log(message: string): void;
}

/** The variants of `scenario` that run on `platform`, in discovery order. */
export function variantsFor(
  ctx: SuiteContext,
  scenario: Scenario,
  platform?: Platform,
): NamedVariant[] {
  return ctx.variants.filter(
    (v) =>
      v.scenarios.includes(scenario) &&
      (!platform || (v.platforms ?? [platform]).includes(platform)),
  );
}

export function pastDeadline(ctx: SuiteContext): boolean {
  return Date.now() > ctx.deadline;
}

/** `items` rotated left by `by`: round r starts at a different variant, order otherwise kept. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (!items.length) return [];
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
