import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import {
  CacheModuleOptions,
  ResolvedCacheOptions,
} from '../interfaces/cache-module-options.interface';
import { parseOptionalTtl, parseTtl } from '../core/ttl';
import { parseValidatorOptions, VALIDATOR_DEFAULTS } from '../http/validators/validator-options';
import { parseLockSetting, resolveLock } from '../core/lock-policy';

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
  'fastPath',
  'values',
  'distributedLock',
  'isGlobal',
  'events',
  'metrics',
  'etag',
  'lastModified',
  'cacheControl',
  'honorRequestCacheControl',
] as const;

/** Who a call is for, when `userKey` is not given: there is no identity. */
const noUser = (): undefined => undefined;

/**
 * Validates module options once, at bootstrap, and applies the defaults. `defaultUserKey` is the
 * `userKey` used when none is given: `CacheModule` passes the one that reads each context type
 * (`lib/identity/default-user-key.ts`), so the core depends on no context folder.
 */
export function resolveOptions(
  options: CacheModuleOptions = {},
  defaultUserKey: ResolvedCacheOptions['userKey'] = noUser,
): ResolvedCacheOptions {
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
    ...resolveObservability(options),
    validators: { ...VALIDATOR_DEFAULTS, ...parseValidatorOptions(WHERE, options) },
    fastPath: oneOf('fastPath', [true, false], options.fastPath ?? false, 'true or false'),
    values: oneOf(
      'values',
      ['copies', 'frozen'],
      options.values ?? 'copies',
      "'copies' or 'frozen'",
    ),
    distributedLock: resolveLock(parseLockSetting(options.distributedLock, WHERE), undefined),
  };
}

/** `events` and `metrics`, validated. */
function resolveObservability(
  options: CacheModuleOptions,
): Pick<ResolvedCacheOptions, 'events' | 'metrics'> {
  const events = options.events ?? false;
  if (typeof events !== 'boolean') throw invalid('events', 'true or false', events);
  const metrics = options.metrics ?? {};
  if (typeof metrics !== 'object' || metrics === null) {
    throw invalid('metrics', '{ prometheus?, openTelemetry? }', metrics);
  }
  const { prometheus = false, openTelemetry = false } = metrics;
  if (typeof openTelemetry !== 'boolean') {
    throw invalid('metrics.openTelemetry', 'true or false', openTelemetry);
  }
  if (prometheus === false) return { events, metrics: { openTelemetry } };
  const prom = prometheus === true ? {} : prometheus;
  if (typeof prom !== 'object' || prom === null) {
    throw invalid('metrics.prometheus', 'true, false or { registry?, prefix? }', prometheus);
  }
  const prefix = prom.prefix ?? 'nestjs_cached_';
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(prefix)) {
    throw invalid('metrics.prometheus.prefix', 'a Prometheus metric name prefix', prefix);
  }
  const registry = prom.registry;
  if (
    registry !== undefined &&
    (typeof registry?.getSingleMetric !== 'function' ||
      typeof registry?.removeSingleMetric !== 'function')
  ) {
    throw invalid('metrics.prometheus.registry', 'a prom-client Registry', registry);
  }
  return { events, metrics: { openTelemetry, prometheus: { registry, prefix } } };
}

function oneOf<T>(option: string, allowed: readonly T[], value: unknown, expected: string): T {
  if (allowed.includes(value as T)) return value as T;
  throw invalid(option, expected, value);
}

/** True for a class (a function with a prototype); arrow functions and instances are not. */
export function isClass(value: unknown): value is new (...args: any[]) => unknown {
  return typeof value === 'function' && typeof value.prototype === 'object';
}

function invalid(option: string, expected: string, value: unknown): CacheConfigError {
  return new CacheConfigError(messages.invalidOption(WHERE, option, expected, value));
}
