import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { stableStringify } from './stable-stringify';

/** A template compiled once: fills `{a.b}` placeholders from a root object or argument list. */
export interface CompiledTemplate {
  readonly source: string;
  /** The first segment of every placeholder (`params`, `0`, …), checked at bootstrap. */
  readonly roots: readonly string[];
  render(root: unknown): string;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Compiles `'product:{params.id}'` or `'product:{0}'`. Throws `CacheConfigError` naming `where`
 * for an empty placeholder or a stray brace.
 */
export function compileTemplate(source: string, where: string): CompiledTemplate {
  const literals: string[] = [];
  const paths: string[][] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const path = match[1].trim();
    if (path === '' || path.split('.').some((part) => part === '')) {
      throw templateError(where, source, `has an empty placeholder '{${match[1]}}'`);
    }
    literals.push(source.slice(last, match.index));
    paths.push(path.split('.'));
    last = match.index! + match[0].length;
  }
  literals.push(source.slice(last));
  if (literals.some((text) => text.includes('{') || text.includes('}'))) {
    throw templateError(where, source, 'has an unmatched brace');
  }
  if (paths.length === 0) return { source, roots: [], render: () => source };
  return {
    source,
    roots: paths.map((path) => path[0]),
    render(root: unknown): string {
      let out = literals[0];
      for (let i = 0; i < paths.length; i++) out += format(read(root, paths[i])) + literals[i + 1];
      return out;
    },
  };
}

function read(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function format(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return stableStringify(value);
}

function templateError(where: string, source: string, reason: string): CacheConfigError {
  return new CacheConfigError(
    messages.invalidKeyTemplate(where, source, reason),
    CacheErrorCode.InvalidKeyTemplate,
  );
}
