import { CacheEntry } from './cache-entry';

const FORMAT = 1;

/**
 * `[format, createdAt, freshUntil, staleUntil, [tag, version, …], status, headers, fullKey,
 * payloadLength]`. The payload's length lets a reader spot a truncated value without parsing it;
 * entries written before it was added (no ninth field) are still read.
 */
type Header = [
  number,
  number,
  number | null,
  number | null,
  string[],
  number,
  object | 0,
  string | 0,
  number?,
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
    entry.payload.length,
  ];
  return JSON.stringify(header) + '\n' + entry.payload;
}

/**
 * Decodes a stored string; `undefined` for anything that is not a whole entry of this format
 * (a malformed header, a truncated payload). Never throws.
 */
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
  if (!isHeader(header)) return undefined;
  if (header[8] !== undefined && header[8] !== text.length - newline - 1) return undefined;
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

function isHeader(header: unknown): header is Header {
  if (!Array.isArray(header) || header.length < 8 || header[0] !== FORMAT) return false;
  const [, createdAt, freshUntil, staleUntil, tags, status, headers, fullKey, length] = header;
  return (
    typeof createdAt === 'number' &&
    (freshUntil === null || typeof freshUntil === 'number') &&
    (staleUntil === null || typeof staleUntil === 'number') &&
    Array.isArray(tags) &&
    tags.length % 2 === 0 &&
    tags.every((item) => typeof item === 'string') &&
    typeof status === 'number' &&
    (headers === 0 || (typeof headers === 'object' && headers !== null)) &&
    (fullKey === 0 || typeof fullKey === 'string') &&
    (length === undefined || typeof length === 'number')
  );
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
