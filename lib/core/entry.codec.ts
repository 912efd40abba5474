import { CacheEntry } from './cache-entry';

const FORMAT = 1;

/** `[format, createdAt, freshUntil, staleUntil, [tag, version, …], status, headers, fullKey]` */
type Header = [
  number,
  number,
  number | null,
  number | null,
  string[],
  number,
  object | 0,
  string | 0,
];

export function encodeEntry(entry: CacheEntry): string {
  const tags: string[] = [];
  for (let i = 0; i < entry.tags.length; i++) tags.push(entry.tags[i], entry.tagVersions[i]);
  const header: Header = [
    FORMAT,
    entry.createdAt,
    finiteOrNull(entry.freshUntil),
    finiteOrNull(entry.staleUntil),
    tags,
    entry.meta?.status ?? 0,
    entry.meta?.headers ?? 0,
    entry.fullKey ?? 0,
  ];
  return JSON.stringify(header) + '\n' + entry.payload;
}

/** Decodes a stored string; `undefined` for anything that is not an entry of this format. */
export function decodeEntry(text: unknown): CacheEntry | undefined {
  if (typeof text !== 'string') return undefined;
  const newline = text.indexOf('\n');
  if (newline < 0) return undefined;
  let header: Header;
  try {
    header = JSON.parse(text.slice(0, newline));
  } catch {
    return undefined;
  }
  if (!Array.isArray(header) || header[0] !== FORMAT) return undefined;
  const flat = header[4];
  const tags: string[] = [];
  const tagVersions: string[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    tags.push(flat[i]);
    tagVersions.push(flat[i + 1]);
  }
  return {
    payload: text.slice(newline + 1),
    createdAt: header[1],
    freshUntil: header[2] ?? Infinity,
    staleUntil: header[3] ?? Infinity,
    tags,
    tagVersions,
    meta: header[5]
      ? { status: header[5], headers: (header[6] || {}) as Record<string, string> }
      : undefined,
    fullKey: header[7] || undefined,
  };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
