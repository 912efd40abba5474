import type { BenchConfig } from '../config';
import type { WindowResult } from '../harness/load-runner';
import type { Platform, Target, VariantRole } from '../harness/variant';
import type { MachineFacts } from './machine-facts';

export interface VariantInfo {
  name: string;
  title: string;
  role: VariantRole;
  notes?: string;
  targets: readonly Target[];
}

/** One (platform, scenario, variant) measured over every round. */
export interface HttpCase {
  platform: Platform;
  scenario: 'hit' | 'miss';
  variant: string;
  rounds: (WindowResult & { round: number })[];
  errors: string[];
}

export interface StampedeRound {
  executions: number;
  ok: number;
  sent: number;
  xCache: Record<string, number>;
  seconds: number;
}

export interface StampedeCase {
  platform: Platform;
  variant: string;
  rounds: StampedeRound[];
  errors: string[];
}

export interface MicroTask {
  name: string;
  /** Operations per second, one figure per round. */
  opsPerSec: number[];
}

export interface MicroResult {
  tasks: MicroTask[];
  error?: string;
}

export interface MemoryResult {
  platform: Platform;
  variant: string;
  urls: number;
  seconds: number;
  failures: number;
  timedOut: boolean;
  /** RSS after start-up (and a full GC), before any request. */
  startupRssBytes: number;
  /** RSS after the warm-up (one URL, so one entry) and a full GC: growth is counted from here. */
  baselineRssBytes: number;
  /** Highest RSS seen while the URLs streamed in (sampled every 100 ms, and at the end). */
  peakRssBytes: number;
  /** RSS and heap after the run and a full GC. */
  finalRssBytes: number;
  finalHeapUsedBytes: number;
  finalHeapTotalBytes: number;
  finalExternalBytes: number;
  /** X-Cache of the newest URL afterwards (should be HIT: entries were stored). */
  newestUrl: string;
  /** X-Cache of the oldest URL afterwards (MISS when the bound evicted it). */
  oldestUrl: string;
  error?: string;
}

export interface RunResults {
  startedAt: string;
  finishedAt: string;
  config: BenchConfig;
  machine: MachineFacts;
  variants: VariantInfo[];
  skipped: { name: string; reason: string }[];
  http: HttpCase[];
  stampede: StampedeCase[];
  micro?: MicroResult;
  memory: MemoryResult[];
  /** Problems that did not stop the run (a suite that failed, the time limit). */
  notes: string[];
}
