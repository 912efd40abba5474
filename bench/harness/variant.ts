import type { DynamicModule, Type } from '@nestjs/common';

/** HTTP platforms every server variant runs on. */
export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

/**
 * Load patterns a variant can join.
 * - `hit`: one URL, warmed; ranked against the `limit` variant.
 * - `miss`: a new URL (`?n=<counter>`) on every request; ranked against the `uncached` variant.
 * - `stampede`: many concurrent requests on one cold URL; handler executions are counted.
 * - `memory`: a long stream of distinct URLs; the server's RSS growth is measured.
 */
export type Scenario = 'hit' | 'miss' | 'stampede' | 'memory';

/** What a variant is in the comparison. */
export type VariantRole = 'limit' | 'uncached' | 'cache';

/** A claim the run checks and reports as met or missed. */
export type Target =
  /** CPU µs per response ≤ `max` × that of variant `versus` (strictly below when `strict`). */
  | {
      kind: 'cpu-ratio';
      scenario: 'hit' | 'miss';
      versus: string;
      max: number;
      strict?: boolean;
      /** Only on this platform (both by default). */
      platform?: Platform;
    }
  /** Handler executions during a stampede ≤ `max`. */
  | { kind: 'executions'; max: number }
  /** Peak RSS growth over the memory run ≤ `maxBytes`. */
  | { kind: 'rss-growth'; maxBytes: number }
  /** Live heap after the run and a full GC ≤ that of variant `versus` + `maxBytes`. */
  | { kind: 'heap-growth'; versus: string; maxBytes: number };

/**
 * One benchmark variant: one file in `bench/variants/`, whose default export this is. The file name
 * is the variant's name. The harness imports the file in the orchestrator (for this metadata) and
 * in each server process it starts for it (to build the app).
 */
export interface BenchVariant {
  /** Row label in RESULTS.md. */
  title: string;
  role: VariantRole;
  /** Scenarios this variant joins. */
  scenarios: readonly Scenario[];
  /** Platforms it runs on; both by default. */
  platforms?: readonly Platform[];
  /** Response header that says `HIT` / `MISS`, checked before measuring (e.g. `x-cache`). */
  cacheHeader?: string;
  targets?: readonly Target[];
  /** One line on what the variant does, shown in RESULTS.md. */
  notes?: string;
  /** A reason to skip the variant on this machine (e.g. no Redis), or `undefined` to run it. */
  skipReason?: () => string | undefined;
  /** Extra Node flags for this variant's server processes (e.g. `--max-old-space-size=192`). */
  nodeFlags?: readonly string[];
  /** Builds the root module of the server app; runs in the server process only. */
  createModule: () => Type<unknown> | DynamicModule | Promise<Type<unknown> | DynamicModule>;
}

/** Identity helper that gives a variant file its type checking. */
export function defineVariant(variant: BenchVariant): BenchVariant {
  return variant;
}

/** A variant with the name taken from its file. */
export interface NamedVariant extends BenchVariant {
  name: string;
  file: string;
}
