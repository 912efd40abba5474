import * as fs from 'node:fs';
import * as path from 'node:path';
import { PAYLOAD_BYTES, WORK_MS } from '../app/workload';
import { median, spread } from '../harness/stats';
import type { Platform } from '../harness/variant';
import { fmt, table, title } from './markdown';
import type { HttpCase, RunResults } from './results.types';
import { memorySection, microSection, stampedeSection } from './suite-sections';
import { renderChart } from './chart-svg';
import { checkTargets, findCase, pairedRatio, TargetCheck } from './targets';

const BASELINE = { hit: 'limit', miss: 'uncached' } as const;

function header(r: RunResults): string {
  const c = r.config;
  const m = r.machine;
  return [
    '# nestjs-cached benchmark results',
    '',
    `Written by \`npm run bench\` (bench/main.ts) on ${r.finishedAt}; do not edit by hand. Profile ` +
      `\`${c.profile}\`: ${c.rounds} rounds; per case ${c.warmupSeconds} s warm-up ` +
      `(${c.firstWarmupSeconds} s in the first round) then ${c.seconds} s measured; ` +
      `${c.connections} connections; ${PAYLOAD_BYTES}-byte JSON payload.`,
    '',
    '## Machine',
    '',
    table(
      ['fact', 'value'],
      [
        ['CPU', `${m.cpuModel}, ${m.cores} cores`],
        ['memory', `${m.memoryGiB} GiB`],
        ['OS', m.os],
        ['Node.js', m.node],
        ['placement', m.pinning],
        ['library', `lib/ source, transpiled by bench/transpile.js; commit ${m.gitCommit}`],
        ['run', `${r.startedAt} → ${r.finishedAt}`],
        [
          'packages',
          Object.entries(m.packages)
            .map(([n, v]) => `${n} ${v}`)
            .join(', '),
        ],
      ],
    ),
  ].join('\n');
}

function targetsSection(checks: TargetCheck[]): string {
  const rows = checks.map((t) => [t.scope, t.variant, t.claim, t.measured, fmt.met(t.met)]);
  return ['## Targets', '', table(['where', 'variant', 'target', 'measured', 'result'], rows)].join(
    '\n',
  );
}

function scenarioTable(r: RunResults, platform: Platform, scenario: 'hit' | 'miss'): string {
  const cases = r.http.filter((h) => h.platform === platform && h.scenario === scenario);
  const base = findCase(r, { platform, scenario, variant: BASELINE[scenario] });
  const cpu = (h: HttpCase): number => median(h.rounds.map((w) => w.cpuMicrosPerResponse));
  const ranked = [...cases].sort((a, b) => (cpu(a) || Infinity) - (cpu(b) || Infinity));
  const rows = ranked.map((h, i) => {
    const of = (pick: (w: HttpCase['rounds'][number]) => number): number =>
      median(h.rounds.map(pick));
    const failures = h.rounds.reduce((n, w) => n + w.failures, 0);
    return [
      h.rounds.length ? String(i + 1) : '–',
      title(r, h.variant),
      fmt.micros(cpu(h)),
      fmt.ratio(pairedRatio(h, base)),
      h.rounds.length
        ? `±${fmt.pct(spread(h.rounds.map((w) => w.cpuMicrosPerResponse)) / 2)}`
        : '–',
      fmt.int(of((w) => w.reqPerSec)),
      fmt.ms(of((w) => w.p50Ms)),
      fmt.ms(of((w) => w.p99Ms)),
      fmt.pct(of((w) => w.serverUtilisation)),
      fmt.pct(of((w) => w.foreignLoad)),
      `${h.rounds.length}${failures ? `, ${failures} failed req.` : ''}${h.errors.length ? `, ${h.errors.length} errors` : ''}`,
    ];
  });
  const label =
    scenario === 'hit' ? 'Hit path (one warm URL)' : 'Miss path (a new URL per request)';
  return [
    `### ${label}`,
    '',
    table(
      [
        'rank',
        'variant',
        'CPU µs/response',
        `ratio vs ${BASELINE[scenario]}`,
        'spread',
        'req/s',
        'p50 ms',
        'p99 ms',
        'server CPU',
        'others on its CPU',
        'rounds',
      ],
      rows,
    ),
  ].join('\n');
}

function platformSection(r: RunResults, platform: Platform, checks: TargetCheck[]): string {
  const mine = checks.filter((t) => t.scope === platform && t.kind === 'cpu-ratio');
  const targetRows = mine.map((t) => [t.variant, t.claim, t.measured, fmt.met(t.met)]);
  const name = platform === 'express' ? 'Express' : 'Fastify';
  return [
    `## ${name}`,
    '',
    scenarioTable(r, platform, 'hit'),
    '',
    scenarioTable(r, platform, 'miss'),
    '',
    targetRows.length ? table(['variant', 'target', 'measured', 'result'], targetRows) : '',
  ].join('\n');
}

function methodSection(r: RunResults): string {
  const variants = r.variants.map((v) => [v.name, v.title, v.notes ?? '']);
  return [
    '## Method',
    '',
    `- One server process per variant and platform (\`bench/variants/<name>.ts\`), pinned with taskset; ` +
      'autocannon runs in the orchestrator, pinned to the other CPU. Servers run plain Node on ' +
      'JavaScript transpiled from lib/ and bench/ at the start of the run (no ts-node in them), ' +
      'with NODE_ENV=production.',
    '- CPU per response = server process CPU time (user + system, all threads, `process.cpuUsage()` ' +
      'read over IPC at both ends of the window) ÷ responses received in the window.',
    '- Cases alternate within every round (each round starts one case later) so drift hits all alike; ' +
      'tables give medians over rounds, ratios are medians of per-round ratios, spread is ' +
      '±half the range over rounds.',
    `- "Uncached" work is an awaited ${WORK_MS} ms timer (like a database call), not busy CPU, so a ` +
      "miss path ratio shows the cache's own overhead rather than being diluted by the work.",
    '- Each case is checked before it is measured: status 200, the exact payload, and `X-Cache: HIT` ' +
      '(hit) or `MISS` (miss) for the caches.',
    '- "server CPU" is the server\'s share of its CPU during the window; "others on its CPU" is the ' +
      'share taken by other processes (read from /proc/stat). Below 100 % together, the load ' +
      'generator was the limit; a high "others" marks a contended, noisier window.',
    '',
    table(['variant', 'title', 'what it does'], variants),
    r.skipped.length
      ? `\nSkipped: ${r.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}.`
      : '',
    r.notes.length ? `\nNotes: ${r.notes.join('; ')}.` : '',
  ].join('\n');
}

/** Renders RESULTS.md (formatted with Prettier when it is installed) and writes it. */
export async function writeResults(r: RunResults, file: string): Promise<void> {
  const checks = checkTargets(r);
  const sections = [header(r), targetsSection(checks)];
  for (const platform of r.config.platforms) sections.push(platformSection(r, platform, checks));
  if (r.stampede.length) sections.push(stampedeSection(r));
  if (r.micro) sections.push(microSection(r));
  if (r.memory.length) sections.push(memorySection(r));
  sections.push(methodSection(r));
  let text = `${sections.join('\n\n')}\n`;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    text = await prettier.format(text, { ...options, parser: 'markdown' });
  } catch {
    // Prettier is a dev tool: unformatted Markdown is still correct Markdown.
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  // The chart sits next to the report, with the same name (RESULTS.md → RESULTS.svg).
  if (r.http.length) fs.writeFileSync(file.replace(/\.md$/, '') + '.svg', renderChart(r));
}
