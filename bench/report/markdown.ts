import type { RunResults } from './results.types';

/** A Markdown table; cells are escaped for pipes. */
export function table(header: string[], rows: string[][]): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const line = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const fmt = {
  micros: (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '–'),
  ratio: (v: number | undefined): string =>
    v !== undefined && Number.isFinite(v) ? `${v.toFixed(3)} ×` : '–',
  int: (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–'),
  ms: (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '–'),
  pct: (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : '–'),
  mib: (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`,
  met: (met: boolean | undefined): string =>
    met === undefined ? 'not measured' : met ? '**met**' : '**missed**',
};

/** A variant's title, or its name when it is unknown. */
export function title(r: RunResults, name: string): string {
  return r.variants.find((v) => v.name === name)?.title ?? name;
}
