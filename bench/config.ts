import * as path from 'node:path';
import { BENCH_DIR } from './harness/paths';
import { Platform, PLATFORMS } from './harness/variant';

export type SuiteName = 'http' | 'stampede' | 'micro' | 'memory';
const SUITES: readonly SuiteName[] = ['http', 'stampede', 'micro', 'memory'];

/** Everything a run can be told through the environment; see bench/README.md. */
export interface BenchConfig {
  profile: 'full' | 'smoke';
  /** Measured window of one case, in seconds. */
  seconds: number;
  /** Warm-up before each measured window, in seconds (same connections, not measured). */
  warmupSeconds: number;
  /** Warm-up of each case in the first round, when its server is still cold (JIT), in seconds. */
  firstWarmupSeconds: number;
  rounds: number;
  connections: number;
  platforms: Platform[];
  /** Variant names to run; empty means all discovered. */
  variants: string[];
  suites: SuiteName[];
  stampedeRequests: number;
  memoryUrls: number;
  memoryPlatform: Platform;
  /** Time budget of one tinybench task in one round, in milliseconds. */
  microTaskMs: number;
  serverCpu: string;
  /** Extra Node flags for server processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  serverNodeFlags: string[];
  loadCpu: string;
  /** Hard limit of the whole run; past it the run stops and reports what it has. */
  maxMinutes: number;
  output: string;
  rawDir: string;
}

const PROFILES = {
  full: {
    seconds: 3,
    warmupSeconds: 1,
    firstWarmupSeconds: 3,
    rounds: 6,
    memoryUrls: 1_000_000,
    microTaskMs: 750,
  },
  smoke: {
    seconds: 1,
    warmupSeconds: 0.75,
    firstWarmupSeconds: 2,
    rounds: 2,
    memoryUrls: 50_000,
    microTaskMs: 250,
  },
} as const;

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

function list(name: string): string[] {
  return (process.env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function oneOf<T extends string>(name: string, values: readonly T[], picked: string[]): T[] {
  const bad = picked.filter((p) => !values.includes(p as T));
  if (bad.length)
    throw new Error(`${name}: unknown ${bad.join(', ')} (known: ${values.join(', ')})`);
  return picked.length ? (picked as T[]) : [...values];
}

export function loadConfig(): BenchConfig {
  const profile = process.env.BENCH_PROFILE === 'smoke' ? 'smoke' : 'full';
  const p = PROFILES[profile];
  return {
    profile,
    seconds: num('BENCH_SECONDS', p.seconds),
    warmupSeconds: num('BENCH_WARMUP', p.warmupSeconds),
    firstWarmupSeconds: num('BENCH_FIRST_WARMUP', p.firstWarmupSeconds),
    rounds: Math.round(num('BENCH_ROUNDS', p.rounds)),
    connections: Math.round(num('BENCH_CONNECTIONS', 50)),
    platforms: oneOf('BENCH_PLATFORMS', PLATFORMS, list('BENCH_PLATFORMS')),
    variants: list('BENCH_VARIANTS'),
    suites: oneOf('BENCH_SUITES', SUITES, list('BENCH_SUITES')),
    stampedeRequests: Math.round(num('BENCH_STAMPEDE', 1000)),
    memoryUrls: Math.round(num('BENCH_MEMORY_URLS', p.memoryUrls)),
    memoryPlatform: oneOf('BENCH_MEMORY_PLATFORM', PLATFORMS, [
      process.env.BENCH_MEMORY_PLATFORM || 'fastify',
    ])[0],
    microTaskMs: num('BENCH_MICRO_MS', p.microTaskMs),
    serverCpu: process.env.BENCH_SERVER_CPU ?? '0',
    serverNodeFlags: (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
    loadCpu: process.env.BENCH_LOAD_CPU ?? '1',
    maxMinutes: num('BENCH_MAX_MINUTES', 30),
    output: path.resolve(process.env.BENCH_OUTPUT ?? path.join(BENCH_DIR, 'RESULTS.md')),
    rawDir: path.join(BENCH_DIR, 'results', 'raw'),
  };
}
