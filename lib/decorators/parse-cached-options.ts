import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { CachedOptions, CacheKeyTemplate } from '../interfaces/cached-options.interface';
import { isClass } from '../options/resolve-options';
import { isBareNumber, isDurationString, parseOptionalTtl, parseTtl, Ttl } from '../core/ttl';
import { compileTemplate } from '../keys/key-template';
import { parseLockSetting } from '../core/lock-policy';
import { CachedMetadata, KeySource } from '../metadata/cached-metadata';
import { parseValidatorOptions } from '../http/validators/validator-options';

const KNOWN: readonly (keyof CachedOptions)[] = [
  'ttl',
  'key',
  'tags',
  'scope',
  'condition',
  'unless',
  'vary',
  'staleWhileRevalidate',
  'staleIfError',
  'keyFactory',
  'flightTimeout',
  'selection',
  'etag',
  'lastModified',
  'cacheControl',
  'honorRequestCacheControl',
  'fastPath',
  'values',
  'distributedLock',
];

/** Normalizes the four `@Cached` signatures into validated, compiled metadata. */
export function parseCachedArguments(
  where: string,
  put: boolean,
  first?: Ttl | CachedOptions,
  key?: CacheKeyTemplate,
): CachedMetadata {
  if (first === undefined || first === null) {
    return key === undefined
      ? parseCachedOptions(where, put, {})
      : parseCachedOptions(where, put, { key });
  }
  if (typeof first === 'string' && isBareNumber(first)) parseTtl(first, where); // throws: ambiguous
  if (typeof first === 'string' && !isDurationString(first)) {
    throw new CacheConfigError(messages.notADuration(where, first), CacheErrorCode.InvalidTtl);
  }
  if (typeof first === 'number' || typeof first === 'string') {
    return parseCachedOptions(where, put, { ttl: parseTtl(first, where), key });
  }
  if (typeof first !== 'object') {
    throw new CacheConfigError(
      messages.invalidOption(where, 'ttl', 'a duration or options', first),
    );
  }
  if (key !== undefined) {
    throw new CacheConfigError(
      messages.invalidOption(where, 'key', 'inside the options object', key),
    );
  }
  return parseCachedOptions(where, put, first);
}

export function parseCachedOptions(
  where: string,
  put: boolean,
  options: CachedOptions,
): CachedMetadata {
  for (const name of Object.keys(options)) {
    if (!KNOWN.includes(name as keyof CachedOptions)) {
      throw new CacheConfigError(messages.unknownOption(where, name, KNOWN));
    }
  }
  const { scope, condition, unless, vary = [], keyFactory } = options;
  if (scope !== undefined && scope !== 'public' && scope !== 'user') {
    throw invalid(where, 'scope', "'public' or 'user'", scope);
  }
  if (condition !== undefined && typeof condition !== 'function') {
    throw invalid(where, 'condition', 'a function', condition);
  }
  if (unless !== undefined && typeof unless !== 'function') {
    throw invalid(where, 'unless', 'a function', unless);
  }
  if (!Array.isArray(vary) || !vary.every((h) => typeof h === 'string' && h.length > 0)) {
    throw invalid(where, 'vary', 'an array of header names', vary);
  }
  if (keyFactory !== undefined && !isClass(keyFactory)) {
    throw new CacheConfigError(
      messages.invalidKeyFactory(where, keyFactory),
      CacheErrorCode.InvalidKeyFactory,
    );
  }
  const tags = options.tags ?? [];
  if (!Array.isArray(tags)) throw invalid(where, 'tags', 'an array of tag templates', tags);
  return {
    where,
    put,
    ttl: typeof options.ttl === 'function' ? undefined : parseOptionalTtl(options.ttl, where),
    ttlOf: typeof options.ttl === 'function' ? options.ttl : undefined,
    key: options.key === undefined ? undefined : compileKey(where, 'key', options.key),
    tags: tags.map((tag) => compileKey(where, 'tags', tag)),
    scope,
    condition,
    unless,
    vary: vary.map((header) => header.toLowerCase()),
    staleWhileRevalidate: parseOptionalTtl(
      options.staleWhileRevalidate,
      `${where} staleWhileRevalidate`,
    ),
    staleIfError: parseOptionalTtl(options.staleIfError, `${where} staleIfError`),
    keyFactory,
    flightTimeout: parseOptionalTtl(options.flightTimeout, `${where} flightTimeout`),
    selection: parseSelection(where, options.selection),
    validators: parseValidatorOptions(where, options),
    fastPath: optionalBoolean(where, 'fastPath', options.fastPath),
    values: valuesMode(where, options.values),
    distributedLock: parseLockSetting(options.distributedLock, where),
  };
}

function optionalBoolean(where: string, option: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw invalid(where, option, 'true or false', value);
}

function valuesMode(where: string, value: unknown): 'copies' | 'frozen' | undefined {
  if (value === undefined || value === 'copies' || value === 'frozen') return value;
  throw invalid(where, 'values', "'copies' or 'frozen'", value);
}

/** Compiles a key or tag template; functions are kept as they are. */
export function compileKey(where: string, option: string, source: unknown): KeySource {
  if (typeof source === 'function') return source as KeySource;
  if (typeof source === 'string' && source.length > 0) return compileTemplate(source, where);
  throw invalid(where, option, 'a non-empty string or a function', source);
}

function invalid(where: string, option: string, expected: string, value: unknown) {
  return new CacheConfigError(messages.invalidOption(where, option, expected, value));
}

/** `selection` (GraphQL): a boolean. */
function parseSelection(where: string, selection: unknown): boolean | undefined {
  if (selection === undefined || typeof selection === 'boolean') return selection;
  throw invalid(where, 'selection', 'a boolean', selection);
}
