/**
 * The benchmark orchestrator (`npm run bench`): discovers the variants, starts their servers,
 * drives them with autocannon, runs the stampede, micro and memory suites, and writes RESULTS.md.
 * Configuration comes from the environment; see bench/README.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from './config';
import { discoverVariants } from './harness/discover-variants';
import { canPin, installCleanup, killAll, pinSelf } from './harness/processes';
import { ServerPool } from './harness/server-pool';
import { machineFacts } from './report/machine-facts';
import { writeResults } from './report/results-writer';
import type { RunResults } from './report/results.types';
import { runHttpSuite } from './suites/http.suite';
import { runMemorySuite } from './suites/memory.suite';
import { runMicroSuite } from './suites/micro.suite';
import { runStampedeSuite } from './suites/stampede.suite';
import { errorMessage, SuiteContext } from './suites/suite-context';

const log = (message: string): void => console.log(`[bench] ${message}`);

async function main(): Promise<void> {
  installCleanup();
  const config = loadConfig();
  const startedAt = new Date();
  // Past the soft deadline suites stop starting work; past the hard one the process gives up.
  const deadline = startedAt.getTime() + config.maxMinutes * 60_000;
  setTimeout(
    () => {
      console.error('[bench] hard time limit reached: stopping');
      killAll();
      process.exit(2);
    },
    (config.maxMinutes + 5) * 60_000,
  ).unref();

  const pinned = canPin() && pinSelf(config.loadCpu);
  const pinning = pinned
    ? `servers on CPU ${config.serverCpu}, load generator on CPU ${config.loadCpu} (taskset)`
    : 'not pinned (taskset unavailable)';
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const logDir = path.join(config.rawDir, stamp);
  log(`profile ${config.profile}, ${pinning}; server logs in ${logDir}`);

  const discovery = await discoverVariants(config.variants);
  for (const s of discovery.skipped) log(`skipping variant ${s.name}: ${s.reason}`);
  const pool = new ServerPool({
    cpus: config.serverCpu,
    logDir,
    nodeFlags: config.serverNodeFlags,
  });
  const ctx: SuiteContext = { config, pool, variants: discovery.variants, logDir, deadline, log };
  const results: RunResults = {
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    config,
    machine: machineFacts(pinning),
    variants: discovery.variants.map((v) => ({
      name: v.name,
      title: v.title,
      role: v.role,
      notes: v.notes,
      targets: v.targets ?? [],
    })),
    skipped: discovery.skipped,
    http: [],
    stampede: [],
    memory: [],
    notes: [],
  };

  const suite = async (name: string, run: () => Promise<void>): Promise<void> => {
    if (!config.suites.includes(name as never)) return;
    if (Date.now() > deadline) {
      results.notes.push(`suite ${name} not run: BENCH_MAX_MINUTES reached`);
      return;
    }
    try {
      await run();
    } catch (error) {
      results.notes.push(`suite ${name} failed: ${errorMessage(error)}`);
      log(`suite ${name} failed: ${errorMessage(error)}`);
    }
  };
  try {
    await suite('http', async () => void (results.http = await runHttpSuite(ctx)));
    await suite('stampede', async () => void (results.stampede = await runStampedeSuite(ctx)));
    await pool.stopAll();
    await suite('micro', async () => void (results.micro = await runMicroSuite(ctx)));
    await suite('memory', async () => void (results.memory = await runMemorySuite(ctx)));
  } finally {
    await pool.stopAll();
  }

  results.finishedAt = new Date().toISOString();
  fs.mkdirSync(config.rawDir, { recursive: true });
  const raw = path.join(config.rawDir, `${stamp}.json`);
  fs.writeFileSync(raw, JSON.stringify(results, null, 2));
  await writeResults(results, config.output);
  log(`wrote ${path.relative(process.cwd(), config.output)} (raw data: ${raw})`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
