import { ExecutionContext } from '@nestjs/common';
import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import {
  CacheModuleOptions,
  ResolvedCacheOptions,
} from '../interfaces/cache-module-options.interface';
import { parseOptionalTtl, parseTtl } from './ttl';
import { parseLockSetting, resolveLock } from './lock-policy';

const WHERE = 'CacheModule';
const KNOWN = [
  'ttl',
  'namespace',
  'store',
  'keyFactory',
  'statuses',
  'xCacheHeader',
  'staleWhileRevalidate',
  'staleIfError',
  'storeTimeout',
  'userKey',
  'identityCookies',
  'flightTimeout',
  'distributedLock',
  'isGlobal',
] as const;

/**
 * The default user identity: `req.user.id`, else `req.user.sub`, as it is: what is not a string
 * or a finite number (an object id) is refused where it is used, never turned into text.
 */
export function defaultUserKey(ctx: ExecutionContext): string | number | undefined {
  const user = ctx.switchToHttp().getRequest()?.user;
  return user?.id ?? user?.sub ?? undefined;
}

/** Validates module options once, at bootstrap, and applies the defaults. */
export function resolveOptions(options: CacheModuleOptions = {}): ResolvedCacheOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid('options', 'an object', options);
  }
  for (const name of Object.keys(options)) {
    if (!(KNOWN as readonly string[]).includes(name)) {
      throw new CacheConfigError(messages.unknownOption(WHERE, name, KNOWN));
    }
  }
  const namespace = options.namespace ?? 'cache';
  if (typeof namespace !== 'string' || !/^[^:\s]+$/.test(namespace)) {
    throw invalid('namespace', 'a non-empty string without ":" or spaces', namespace);
  }
  const statuses = options.statuses ?? [200];
  if (
    !Array.isArray(statuses) ||
    !statuses.every((s) => Number.isInteger(s) && s >= 100 && s < 600)
  ) {
    throw invalid('statuses', 'an array of HTTP status codes', statuses);
  }
  const header = options.xCacheHeader ?? 'X-Cache';
  if (header !== false && (typeof header !== 'string' || !/^[!#$%&'*+.^_`|~\w-]+$/.test(header))) {
    throw invalid('xCacheHeader', 'a header name or false', header);
  }
  const storeTimeout = options.storeTimeout ?? 250;
  if (typeof storeTimeout !== 'number' || !(storeTimeout > 0) || !Number.isFinite(storeTimeout)) {
    throw invalid('storeTimeout', 'a positive number of milliseconds', storeTimeout);
  }
  if (options.userKey !== undefined && typeof options.userKey !== 'function') {
    throw invalid('userKey', 'a function (ctx) => string | undefined', options.userKey);
  }
  const identityCookies = options.identityCookies ?? [];
  if (
    !Array.isArray(identityCookies) ||
    !identityCookies.every(
      (name) => typeof name === 'string' && /^[!#$%&'*+.^_`|~\w-]+$/.test(name),
    )
  ) {
    throw invalid('identityCookies', 'an array of cookie names', identityCookies);
  }
  if (options.keyFactory !== undefined && !isClass(options.keyFactory)) {
    throw new CacheConfigError(
      messages.invalidKeyFactory(WHERE, options.keyFactory),
      CacheErrorCode.InvalidKeyFactory,
    );
  }
  return {
    ttl: parseTtl(options.ttl ?? '5m', `${WHERE} ttl`),
    namespace,
    storeInput: options.store,
    keyFactory: options.keyFactory,
    statuses: new Set(statuses),
    xCacheHeader: header,
    staleWhileRevalidate:
      parseOptionalTtl(options.staleWhileRevalidate, `${WHERE} staleWhileRevalidate`) ?? 0,
    staleIfError: parseOptionalTtl(options.staleIfError, `${WHERE} staleIfError`) ?? 0,
    storeTimeout,
    userKey: options.userKey ?? defaultUserKey,
    identityCookies,
    flightTimeout: parseTtl(options.flightTimeout ?? '10s', `${WHERE} flightTimeout`),
    distributedLock: resolveLock(parseLockSetting(options.distributedLock, WHERE), undefined),
  };
}

/** True for a class (a function with a prototype); arrow functions and instances are not. */
export function isClass(value: unknown): value is new (...args: any[]) => unknown {
  return typeof value === 'function' && typeof value.prototype === 'object';
}

function invalid(option: string, expected: string, value: unknown): CacheConfigError {
  return new CacheConfigError(messages.invalidOption(WHERE, option, expected, value));
}
