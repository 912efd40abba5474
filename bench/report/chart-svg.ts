import { median } from '../harness/stats';
import type { Platform } from '../harness/variant';
import { title } from './markdown';
import type { HttpCase, RunResults } from './results.types';

const WIDTH = 900;
const LABEL = 330;
const BAR = 16;
const GAP = 6;
const PANEL_TOP = 46;
const COLORS: Record<string, string> = {
  limit: '#6b7280',
  uncached: '#6b7280',
  'interceptor-floor': '#9ca3af',
  'cache-manager': '#f59e0b',
  'cache-manager-redis': '#fbbf24',
};
const OURS = '#2563eb';

interface Panel {
  platform: Platform;
  scenario: 'hit' | 'miss';
  bars: { name: string; label: string; micros: number }[];
  /** Reference lines: the limit (hit) or the uncached route (miss), and the interceptor floor. */
  lines: { label: string; micros: number; dash: string }[];
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cpuOf(c: HttpCase | undefined): number | undefined {
  const values = c?.rounds.map((r) => r.cpuMicrosPerResponse) ?? [];
  return values.length ? median(values) : undefined;
}

function panels(r: RunResults): Panel[] {
  const out: Panel[] = [];
  for (const platform of r.config.platforms) {
    for (const scenario of ['hit', 'miss'] as const) {
      const cases = r.http.filter((c) => c.platform === platform && c.scenario === scenario);
      const bars = cases
        .map((c) => ({ name: c.variant, label: title(r, c.variant), micros: cpuOf(c) }))
        .filter((b): b is Panel['bars'][number] => b.micros !== undefined)
        .sort((a, b) => a.micros - b.micros);
      if (bars.length === 0) continue;
      const reference = (name: string) => bars.find((b) => b.name === name)?.micros;
      const lines: Panel['lines'] = [];
      const limit = reference(scenario === 'hit' ? 'limit' : 'uncached');
      if (limit !== undefined) {
        lines.push({ label: scenario === 'hit' ? 'limit' : 'uncached', micros: limit, dash: '' });
      }
      const floor = reference('interceptor-floor');
      if (floor !== undefined) lines.push({ label: 'floor', micros: floor, dash: '4 3' });
      out.push({ platform, scenario, bars, lines });
    }
  }
  return out;
}

/**
 * An SVG chart of CPU time per response (median over rounds) by variant, one panel per platform
 * and scenario, with the limit (or uncached) and interceptor-floor lines; no dependencies.
 */
export function renderChart(r: RunResults): string {
  const all = panels(r);
  const parts: string[] = [];
  let y = PANEL_TOP;
  for (const panel of all) {
    const max = Math.max(...panel.bars.map((b) => b.micros), ...panel.lines.map((l) => l.micros));
    const scale = (WIDTH - LABEL - 90) / max;
    const height = panel.bars.length * (BAR + GAP);
    const name = panel.scenario === 'hit' ? 'hit (one warm URL)' : 'miss (a new URL per request)';
    parts.push(
      `<text x="10" y="${y - 8}" font-weight="bold">${escape(`${panel.platform} — ${name}`)}</text>`,
    );
    panel.bars.forEach((bar, i) => {
      const top = y + i * (BAR + GAP);
      const color = COLORS[bar.name] ?? (bar.name.startsWith('nestjs-cached') ? OURS : '#10b981');
      const w = Math.max(1, bar.micros * scale);
      parts.push(
        `<text x="${LABEL - 8}" y="${top + BAR - 4}" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${LABEL}" y="${top}" width="${w.toFixed(1)}" height="${BAR}" fill="${color}"/>`,
        `<text x="${(LABEL + w + 6).toFixed(1)}" y="${top + BAR - 4}">${bar.micros.toFixed(1)} µs</text>`,
      );
    });
    for (const line of panel.lines) {
      const x = (LABEL + line.micros * scale).toFixed(1);
      parts.push(
        `<line x1="${x}" y1="${y - 4}" x2="${x}" y2="${y + height}" stroke="#111827"` +
          `${line.dash ? ` stroke-dasharray="${line.dash}"` : ''}/>`,
        `<text x="${x}" y="${y + height + 12}" text-anchor="middle" font-size="10">${line.label}</text>`,
      );
    }
    y += height + 48;
  }
  const total = y - 20;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${total}" ` +
      `viewBox="0 0 ${WIDTH} ${total}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Server CPU time per response ` +
      `(µs, median of rounds; lower is better)</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
