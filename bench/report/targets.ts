import { median } from '../harness/stats';
import type { Target } from '../harness/variant';
import type { HttpCase, RunResults } from './results.types';

export interface TargetCheck {
  kind: Target['kind'] | 'micro';
  /** Where it applies, e.g. `express` or `all`. */
  scope: string;
  variant: string;
  claim: string;
  measured: string;
  /** `undefined` when it could not be measured. */
  met: boolean | undefined;
}

/** The column the micro-benchmark table compares every task with. */
export const MICRO_TARGET = { versus: 'lru-cache get + JSON.parse (copy floor)' };

/** Micro-benchmark claims: ops/s of `task` ≥ `min` × those of `versus` (median of rounds). */
export const MICRO_TARGETS = [
  {
    task: 'nestjs-cached CacheService.get (L1 hit)',
    versus: 'lru-cache get + JSON.parse (copy floor)',
    min: 0.8,
  },
  {
    task: 'nestjs-cached CacheService.get (frozen values)',
    versus: 'cache-manager 7 get (Keyv memory)',
    min: 0.8,
  },
  {
    task: 'nestjs-cached @Cached method hit (frozen values)',
    versus: 'cache-manager 7 get (Keyv memory)',
    min: 0.8,
  },
  {
    task: 'nestjs-cached @Cached method hit, 1,000-item list (frozen values)',
    versus: 'nestjs-cached @Cached method hit, 1,000-item list',
    min: 10,
  },
];

const MiB = 2 ** 20;

export function findCase(results: RunResults, c: Omit<HttpCase, 'rounds' | 'errors'>) {
  return results.http.find(
    (h) => h.platform === c.platform && h.scenario === c.scenario && h.variant === c.variant,
  );
}

/**
 * CPU per response of `subject` over `base`: the median of the per-round ratios, so each ratio
 * pairs two measurements taken minutes apart at most and drift between rounds cancels out.
 */
export function pairedRatio(subject?: HttpCase, base?: HttpCase): number | undefined {
  if (!subject || !base) return undefined;
  const ratios = subject.rounds.flatMap((s) => {
    const b = base.rounds.find((r) => r.round === s.round);
    return b ? [s.cpuMicrosPerResponse / b.cpuMicrosPerResponse] : [];
  });
  return ratios.length ? median(ratios) : undefined;
}

function checkRatio(
  results: RunResults,
  variant: string,
  t: Extract<Target, { kind: 'cpu-ratio' }>,
) {
  const platforms = results.config.platforms.filter((p) => !t.platform || p === t.platform);
  return platforms.map((platform): TargetCheck => {
    const ratio = pairedRatio(
      findCase(results, { platform, scenario: t.scenario, variant }),
      findCase(results, { platform, scenario: t.scenario, variant: t.versus }),
    );
    const claim = `${t.scenario} CPU/response ${t.strict ? '<' : '≤'} ${t.max.toFixed(2)} × ${t.versus}`;
    const met = ratio === undefined ? undefined : t.strict ? ratio < t.max : ratio <= t.max;
    const measured = ratio === undefined ? 'not measured' : `${ratio.toFixed(3)} ×`;
    return { kind: t.kind, scope: platform, variant, claim, measured, met };
  });
}

function checkOne(results: RunResults, variant: string, t: Target): TargetCheck[] {
  if (t.kind === 'cpu-ratio') return checkRatio(results, variant, t);
  if (t.kind === 'executions') {
    return results.config.platforms.map((platform) => {
      const c = results.stampede.find((s) => s.platform === platform && s.variant === variant);
      const worst = c?.rounds.length ? Math.max(...c.rounds.map((r) => r.executions)) : undefined;
      return {
        kind: t.kind,
        scope: platform,
        variant,
        claim: `stampede handler executions ≤ ${t.max} (worst round)`,
        measured: worst === undefined ? 'not measured' : String(worst),
        met: worst === undefined ? undefined : worst <= t.max,
      };
    });
  }
  const m = results.memory.find((r) => r.variant === variant && !r.error);
  if (t.kind === 'heap-growth') {
    const control = results.memory.find((r) => r.variant === t.versus && !r.error);
    const over = m && control ? m.finalHeapUsedBytes - control.finalHeapUsedBytes : undefined;
    return [
      {
        kind: t.kind,
        scope: m?.platform ?? results.config.memoryPlatform,
        variant,
        claim: `live heap after GC ≤ ${t.versus} + ${(t.maxBytes / MiB).toFixed(0)} MiB`,
        measured: over === undefined ? 'not measured' : `+${(over / MiB).toFixed(1)} MiB`,
        met: over === undefined ? undefined : over <= t.maxBytes,
      },
    ];
  }
  const growth = m ? m.peakRssBytes - m.baselineRssBytes : undefined;
  return [
    {
      kind: t.kind,
      scope: m?.platform ?? results.config.memoryPlatform,
      variant,
      claim: `peak RSS growth ≤ ${(t.maxBytes / MiB).toFixed(0)} MiB`,
      measured: growth === undefined ? 'not measured' : `${(growth / MiB).toFixed(1)} MiB`,
      met: growth === undefined ? undefined : growth <= t.maxBytes,
    },
  ];
}

/** Every target of every variant, plus the micro-benchmark's, checked against the results. */
export function checkTargets(results: RunResults): TargetCheck[] {
  const checks = results.variants.flatMap((v) =>
    v.targets.flatMap((t) => checkOne(results, v.name, t)),
  );
  const micro = results.micro?.tasks ?? [];
  for (const target of MICRO_TARGETS) {
    const subject = micro.find((t) => t.name === target.task);
    const base = micro.find((t) => t.name === target.versus);
    const ratios = (subject?.opsPerSec ?? []).flatMap((ops, i) =>
      base?.opsPerSec[i] ? [ops / base.opsPerSec[i]] : [],
    );
    const ratio = ratios.length ? median(ratios) : undefined;
    checks.push({
      kind: 'micro',
      scope: 'in-process',
      variant: target.task.replace(/^nestjs-cached /, ''),
      claim: `ops/s ≥ ${target.min} × ${target.versus}`,
      measured: ratio === undefined ? 'not measured' : `${ratio.toFixed(3)} ×`,
      met: ratio === undefined ? undefined : ratio >= target.min,
    });
  }
  return checks;
}
