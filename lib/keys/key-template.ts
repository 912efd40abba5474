import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { stableStringify } from './stable-stringify';

/** A template compiled once: fills `{a.b}` placeholders from a root object or argument list. */
export interface CompiledTemplate {
  readonly source: string;
  /** The first segment of every placeholder (`params`, `0`, …), checked at bootstrap. */
  readonly roots: readonly string[];
  /** Every placeholder's path (`['params', 'id']`). */
  readonly paths: readonly (readonly string[])[];
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
  if (literals.slice(1, -1).some((text) => text === '')) {
    throw templateError(
      where,
      source,
      'has two placeholders side by side; put a separator between them (e.g. {a}:{b})',
    );
  }
  if (paths.length === 0) return { source, roots: [], paths: [], render: () => source };
  // Only text between placeholders can make two renderings meet: 'a:{x}:{y}' with x = '1:2'.
  const reserved = reservedCharacters(literals.slice(1, -1).join(''));
  return {
    source,
    roots: paths.map((path) => path[0]),
    paths,
    render(root: unknown): string {
      let out = literals[0];
      for (let i = 0; i < paths.length; i++) {
        out += format(read(root, paths[i]), reserved) + literals[i + 1];
      }
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

/**
 * A placeholder's value, rendered so that no two values render alike: a string or a finite number
 * is its plain text (`user:7`, so `CacheService.delete('user:7')` names what `{params.id}` wrote),
 * except that a string's reserved characters (`%`, white space and control characters, and the
 * characters the template puts between two placeholders, such as `:` in `{a}:{b}`) are
 * percent-encoded; anything else
 * (absent, `null`, a boolean, an array, an object) is `%!` and its encoded JSON, a form no plain
 * or encoded string can take.
 */
function format(value: unknown, reserved: RegExp): string {
  if (typeof value === 'string') return encode(value, reserved);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  const text = value === undefined ? 'undefined' : stableStringify(value);
  return '%!' + encode(text, reserved);
}

/** `%`, white space, control characters and whatever the template puts between placeholders. */
function reservedCharacters(between: string): RegExp {
  const own = [...new Set(between)]
    .map((c) => '\\u{' + c.codePointAt(0)!.toString(16) + '}')
    .join('');
  return new RegExp(`[%\\s\\p{C}${own}]`, 'gu');
}

function encode(text: string, reserved: RegExp): string {
  reserved.lastIndex = 0;
  if (!reserved.test(text)) return text;
  return text.replace(reserved, (c) =>
    Buffer.from(c).toString('hex').toUpperCase().replace(/(..)/g, '%$1'),
  );
}

function templateError(where: string, source: string, reason: string): CacheConfigError {
  return new CacheConfigError(
    messages.invalidKeyTemplate(where, source, reason),
    CacheErrorCode.InvalidKeyTemplate,
  );
}
