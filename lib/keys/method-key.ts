import { createHash } from 'node:crypto';
import { stableStringify } from './stable-stringify';

const INLINE_LIMIT = 100;

/**
 * The default key of a provider method call: `Class.method:` and the arguments' stable text
 * (object key order ignored; Date, Buffer, Map, Set, BigInt by value), or a SHA-256 of it when
 * long. The text always starts with `[`, a hash never does, so the two forms cannot meet.
 * Throws a `TypeError` whose message says why for arguments that hold functions, symbols or cycles.
 */
export function defaultMethodKey(prefix: string, args: readonly unknown[]): string {
  const text = primitiveArgsText(args) ?? stableStringify(args);
  if (text.length <= INLINE_LIMIT) return `${prefix}:${text}`;
  return `${prefix}:${createHash('sha256').update(text).digest('base64url')}`;
}

/**
 * `stableStringify(args)` for the common case of primitive arguments (no call, id, a page
 * number), written without its walk; `undefined` when an argument is an object.
 */
function primitiveArgsText(args: readonly unknown[]): string | undefined {
  let text = '[';
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    let part: string;
    switch (typeof value) {
      case 'string':
        part = JSON.stringify(value);
        break;
      case 'number':
        part = Object.is(value, -0) ? '-0' : String(value);
        break;
      case 'boolean':
        part = value ? 'true' : 'false';
        break;
      case 'undefined':
        part = 'undefined';
        break;
      default:
        if (value !== null) return undefined;
        part = 'null';
    }
    text += i === 0 ? part : ',' + part;
  }
  return text + ']';
}
