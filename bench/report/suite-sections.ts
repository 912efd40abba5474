import { median } from '../harness/stats';
import { fmt, table, title } from './markdown';
import type { RunResults } from './results.types';
import { MICRO_TARGET } from './targets';

export function stampedeSection(r: RunResults): string {
  const rows = r.stampede.map((s) => {
    const ex = s.rounds.map((x) => x.executions);
    const xc = s.rounds.length ? s.rounds[s.rounds.length - 1].xCache : {};
    return [
      s.platform,
      title(r, s.variant),
      ex.length ? `${median(ex)} / ${Math.max(...ex)}` : '–',
      s.rounds.map((x) => `${x.ok}/${x.sent}`).join(', ') || '–',
      Object.entries(xc)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '–',
      s.errors.join('; ') || '',
    ];
  });
  return [
    `## Stampede (${r.config.stampedeRequests} concurrent requests on a cold URL)`,
    '',
    'All connections are opened first, then every request is written in the same tick.',
    '',
    table(
      [
        'platform',
        'variant',
        'executions (median / worst)',
        '200 OK per round',
        'X-Cache (last round)',
        'errors',
      ],
      rows,
    ),
  ].join('\n');
}

export function microSection(r: RunResults): string {
  const tasks = r.micro?.tasks ?? [];
  const base = tasks.find((t) => t.name === MICRO_TARGET.versus);
  const rows = tasks.map((t) => {
    const ratios = t.opsPerSec.flatMap((o, i) =>
      base?.opsPerSec[i] ? [o / base.opsPerSec[i]] : [],
    );
    return [
      t.name,
      fmt.int(median(t.opsPerSec)),
      fmt.ratio(ratios.length ? median(ratios) : undefined),
    ];
  });
  return [
    '## CacheService.get micro-benchmark (tinybench)',
    '',
    'One process pinned to the server CPU; `CacheService` from a Nest application context with ' +
      '`CacheModule.forRoot()`; the same 200-byte object in a bare `lru-cache`. Each iteration runs ' +
      '1,000 calls; tasks alternate in rounds.',
    '',
    r.micro?.error
      ? `Not run: ${r.micro.error}`
      : table(['task', 'ops/s (median)', 'vs copy floor'], rows),
  ].join('\n');
}

export function memorySection(r: RunResults): string {
  const rows = r.memory.map((m) => [
    title(r, m.variant),
    m.platform,
    fmt.int(m.urls),
    `${m.seconds.toFixed(0)} s${m.timedOut ? ' (timed out)' : ''}`,
    fmt.mib(m.startupRssBytes),
    fmt.mib(m.baselineRssBytes),
    fmt.mib(m.peakRssBytes - m.baselineRssBytes),
    fmt.mib(m.finalRssBytes - m.baselineRssBytes),
    `${fmt.mib(m.finalHeapUsedBytes)} / ${fmt.mib(m.finalHeapTotalBytes)}`,
    m.error ? '' : `newest ${m.newestUrl}; oldest ${m.oldestUrl}`,
    m.error ?? String(m.failures),
  ]);
  return [
    '## Memory bound',
    '',
    'A fresh server (`--expose-gc`) answers 5,000 warm-up requests on one URL, then a stream of ' +
      'distinct URLs (50 connections). Growth is counted from the RSS after the warm-up and a full ' +
      'GC; the peak is sampled every 100 ms from /proc, the final figure follows a full GC. The ' +
      'control (no cache) gets at most 100,000 URLs.',
    '',
    table(
      [
        'variant',
        'platform',
        'URLs',
        'time',
        'RSS at start',
        'RSS baseline',
        'peak growth',
        'final growth',
        'heap used / total',
        'X-Cache after',
        'failed req.',
      ],
      rows,
    ),
  ].join('\n');
}
