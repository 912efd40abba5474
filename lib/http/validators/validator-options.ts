import { CacheConfigError } from '../../errors/cache-config.error';
import { messages } from '../../errors/cache.messages';
import { parseTtl, Ttl } from '../../core/ttl';
import { EtagKind } from './etag';

/**
 * The `Cache-Control` the cache emits on cached GET responses (`cacheControl` option): `public`
 * for shared entries, `private` for `scope: 'user'`; a handler's own `Cache-Control` wins.
 * Durations are sent in whole seconds and never counted down (`Age` does that).
 * @example
 * CacheModule.forRoot({ cacheControl: { maxAge: '1m', sMaxAge: 'ttl', staleWhileRevalidate: true } })
 * // Cache-Control: public, max-age=60, s-maxage=300, stale-while-revalidate=30
 */
export interface CacheControlOptions {
  /** `max-age`: for browsers (and shared caches without `s-maxage`). @default 'ttl' */
  maxAge?: Ttl | 'ttl';
  /** `s-maxage`: for shared caches (CDNs); never sent on `scope: 'user'` routes. @default none */
  sMaxAge?: Ttl | 'ttl';
  /** `stale-while-revalidate`; `true`: the route's `staleWhileRevalidate` window. @default none */
  staleWhileRevalidate?: boolean | Ttl;
  /** `stale-if-error`; `true`: the route's `staleIfError` window. @default none */
  staleIfError?: boolean | Ttl;
  /** Adds `immutable`: browsers do not revalidate on reload. @default false */
  immutable?: boolean;
}

/** `CacheControlOptions` validated, durations in milliseconds. */
export interface ResolvedCacheControl {
  maxAge: number | 'ttl';
  sMaxAge?: number | 'ttl';
  staleWhileRevalidate?: number | true;
  staleIfError?: number | true;
  immutable: boolean;
}

/** The HTTP validator options of a route, module defaults applied. */
export interface ValidatorOptions {
  etag: EtagKind;
  lastModified: boolean;
  cacheControl: ResolvedCacheControl | false;
  honorRequestCacheControl: boolean;
}

export const VALIDATOR_DEFAULTS: ValidatorOptions = {
  etag: 'weak',
  lastModified: false,
  cacheControl: false,
  honorRequestCacheControl: false,
};

interface ValidatorInput {
  etag?: unknown;
  lastModified?: unknown;
  cacheControl?: unknown;
  honorRequestCacheControl?: unknown;
}

/** Validates the options a user gave (module or decorator); left-out options stay left out. */
export function parseValidatorOptions(
  where: string,
  input: ValidatorInput,
): Partial<ValidatorOptions> {
  const out: Partial<ValidatorOptions> = {};
  const { etag, lastModified, cacheControl, honorRequestCacheControl } = input;
  if (etag !== undefined) {
    if (etag !== 'weak' && etag !== 'strong' && etag !== false) {
      throw invalid(where, 'etag', "'weak', 'strong' or false", etag);
    }
    out.etag = etag;
  }
  if (lastModified !== undefined) out.lastModified = flag(where, 'lastModified', lastModified);
  if (honorRequestCacheControl !== undefined) {
    out.honorRequestCacheControl = flag(
      where,
      'honorRequestCacheControl',
      honorRequestCacheControl,
    );
  }
  if (cacheControl !== undefined) out.cacheControl = parseCacheControl(where, cacheControl);
  return out;
}

const CACHE_CONTROL_KEYS = [
  'maxAge',
  'sMaxAge',
  'staleWhileRevalidate',
  'staleIfError',
  'immutable',
];

function parseCacheControl(where: string, value: unknown): ResolvedCacheControl | false {
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(where, 'cacheControl', 'false or an object such as { maxAge: ttl }', value);
  }
  const given = value as CacheControlOptions;
  for (const name of Object.keys(given)) {
    if (!CACHE_CONTROL_KEYS.includes(name)) {
      throw new CacheConfigError(
        messages.unknownOption(`${where} cacheControl`, name, CACHE_CONTROL_KEYS),
      );
    }
  }
  const at = (name: string) => `${where} cacheControl.${name}`;
  const age = (name: string, v: unknown) => (v === 'ttl' ? 'ttl' : parseTtl(v, at(name)));
  const window = (name: string, v: unknown) => (v === true ? true : parseTtl(v, at(name)));
  if (given.immutable !== undefined && typeof given.immutable !== 'boolean') {
    throw invalid(where, 'cacheControl.immutable', 'a boolean', given.immutable);
  }
  return {
    maxAge: given.maxAge === undefined ? 'ttl' : age('maxAge', given.maxAge),
    sMaxAge: given.sMaxAge === undefined ? undefined : age('sMaxAge', given.sMaxAge),
    staleWhileRevalidate:
      given.staleWhileRevalidate === undefined || given.staleWhileRevalidate === false
        ? undefined
        : window('staleWhileRevalidate', given.staleWhileRevalidate),
    staleIfError:
      given.staleIfError === undefined || given.staleIfError === false
        ? undefined
        : window('staleIfError', given.staleIfError),
    immutable: given.immutable === true,
  };
}

function flag(where: string, option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(where, option, 'true or false', value);
  return value;
}

function invalid(where: string, option: string, expected: string, value: unknown) {
  return new CacheConfigError(messages.invalidOption(where, option, expected, value));
}
