/**
 * True when an `If-None-Match` value (`*`, or a comma-separated list of entity tags) matches
 * `etag` by weak comparison (RFC 9110 §8.8.3.2: `W/` ignored on both sides). Quoted tags may hold
 * commas; a bare, unquoted tag (as some handlers set them) is compared as it is.
 * @example
 * ifNoneMatchHits('"a", W/"b"', '"b"') // true
 */
export function ifNoneMatchHits(ifNoneMatch: string, etag: string): boolean {
  const wanted = opaque(etag.trim());
  const header = ifNoneMatch.trim();
  if (header === '*') return true;
  let i = 0;
  while (i < header.length) {
    const code = header.charCodeAt(i);
    if (code === 44 /* , */ || code === 32 || code === 9) {
      i++;
      continue;
    }
    let start = i;
    if (header.startsWith('W/', i)) start = i += 2;
    let end: number;
    if (header.charCodeAt(i) === 34 /* " */) {
      const close = header.indexOf('"', i + 1);
      end = close < 0 ? header.length : close + 1;
    } else {
      const comma = header.indexOf(',', i);
      end = comma < 0 ? header.length : comma;
    }
    if (header.slice(start, end).trim() === wanted) return true;
    i = end;
  }
  return false;
}

/** An entity tag without its weakness indicator. */
function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
