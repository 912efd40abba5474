/**
 * Every message nestjs-cached shows, written once, phrased `Where: what is wrong; how to fix it`.
 */
export const messages = {
  invalidTtl: (where: string, value: unknown) =>
    `${where}: invalid ttl ${describe(value)}; use a positive number of milliseconds, Infinity, ` +
    `or a string such as '250ms', '30s', '5m', '2h' or '1d'`,
  notADuration: (where: string, value: string) =>
    `${where}: '${value}' is not a duration; to set a key alone write @Cached({ key: '${value}' })`,
  invalidOption: (where: string, option: string, expected: string, value: unknown) =>
    `${where}: option '${option}' must be ${expected}, got ${describe(value)}`,
  unknownOption: (where: string, option: string, known: readonly string[]) =>
    `${where}: unknown option '${option}'; known options are ${known.join(', ')}`,
  invalidStore: (value: unknown) =>
    `CacheModule: 'store' ${describe(value)} is not a cache store; use memoryStore(), ` +
    `redisStore() from 'nestjs-cached/redis', a Keyv instance or a Keyv store adapter`,
  storeCannotClear: (store: string) =>
    `${store}: this store cannot list its keys, so clear() cannot remove one namespace; ` +
    `use a store with an iterator or delete by tag`,
  evictAllUnsupported: (where: string, store: string) =>
    `${where}: @CacheEvict({ all: true }) needs a store that can list its keys, and ${store} ` +
    `cannot; evict by tags or keys instead, or use memoryStore(), redisStore() or a Keyv store ` +
    `with an iterator`,
  identityAmbiguous: (name: string, providers: string[]) =>
    `${name}: ${providers.join(' and ')} are cached providers that nothing tells apart (same ` +
    `class name, module and token), so their entries would mix; pin one with ` +
    `@CacheIdentity('…') or provide them under different tokens`,
  identityTaken: (identity: string, providers: string[]) =>
    `cache identity '${identity}' is used by ${providers.join(' and ')}; their entries would ` +
    `mix. Give each its own @CacheIdentity`,
  invalidKeyFactory: (where: string, value: unknown) =>
    `${where}: keyFactory ${describe(value)} is not a class; pass an @Injectable() class ` +
    `implementing CacheKeyFactory { build(ctx, defaultKey) }`,
  keyFactoryWithoutBuild: (where: string, name: string) =>
    `${where}: key factory ${name} has no build(ctx, defaultKey) method; implement CacheKeyFactory`,
  invalidKeyTemplate: (where: string, template: string, reason: string) =>
    `${where}: key template '${template}' ${reason}`,
  notGetRoute: (where: string, method: string) =>
    `${where}: @Cached on a ${method} route; only GET (and HEAD) responses are cached. ` +
    `Remove @Cached, or use @CacheEvict / @CachePut on writes`,
  notStorable: (key: string, reason: string) =>
    `cache key '${key}' was not stored: the value ${reason}; return plain data ` +
    `(objects, arrays, Date, Buffer, Map, Set, BigInt, null)`,
  storeFailed: (store: string, operation: string, error: unknown) =>
    `${store}: ${operation} failed (${errorText(error)}); serving without the cache`,
  damagedEntry: (storeKey: string, part: string) =>
    `the entry under '${storeKey}' is damaged (its ${part} does not decode); it was removed and ` +
    `read as a miss`,
  storeTimeout: (store: string, operation: string, ms: number) =>
    `${store}: ${operation} took longer than storeTimeout (${ms} ms)`,
  storeUnavailable: (store: string) =>
    `${store}: not connected; the call fails at once (commands are never queued) until it is back`,
  circuitOpen: (store: string) =>
    `${store}: circuit open after consecutive failures; calls fail at once until a probe succeeds`,
  storeConnectionFailed: (store: string, error: unknown) =>
    `${store}: connection error (${errorText(error)}); serving without it, reconnecting`,
  unsupportedContext: (where: string, type: string) =>
    `${where}: @Cached on a ${type} handler that is not a resolver, message or gateway handler is ` +
    `not supported; the handler runs uncached`,
  syncMethod: (where: string) =>
    `${where}: @Cached method returned a plain value, not a Promise; it runs uncached. ` +
    `Make it async to cache it`,
  thenableMethod: (where: string) =>
    `${where}: @Cached method returned a thenable that is not a Promise (a query builder?); it ` +
    `runs uncached and is returned as it is. Return a Promise (e.g. await the builder) to cache it`,
  callbackFailed: (where: string, callback: string, error: unknown) =>
    `${where}: the ${callback} callback failed (${errorText(error)}); ` +
    (callback === 'unless' ? 'the result is not stored' : 'the call runs uncached'),
  argumentsNotHashable: (where: string, reason: string) =>
    `${where}: arguments ${reason}, so this call is not cached; give @Cached a key template`,
  keyFailed: (where: string, reason: string) =>
    `${where}: building the cache key failed (${reason}); the request bypasses the cache`,
  scopedProvider: (where: string) =>
    `${where}: request-scoped or transient provider; its @Cached/@CachePut/@CacheEvict ` +
    `methods run uncached. Move the method to a singleton provider to cache it`,
  frozenProvider: (where: string) =>
    `${where}: the provider instance is frozen, so its method cannot be replaced; it runs ` +
    `uncached. Provide an instance that is not frozen to cache it`,
  backgroundRefreshFailed: (key: string, error: unknown) =>
    `background refresh of '${key}' failed (${errorText(error)}); the stale value stays served`,
  staleIfError: (key: string, error: unknown) =>
    `refresh of '${key}' failed (${errorText(error)}); serving the stale value (staleIfError)`,
  conflictingDecorators: (where: string) =>
    `${where}: @Cached and @CachePut on the same method; keep one of them`,
  varyNotKeyed: (where: string, header: string) =>
    `${where}: the response says 'Vary: ${header}' but the cache key does not depend on ` +
    `'${header}', so it was not stored; add vary: ['${header}'] to @Cached to cache it per value`,
  encodedAfterHandler: (where: string, encoding: string) =>
    `${where}: the response was encoded (${encoding}) after the handler, e.g. by ` +
    `@fastify/compress, so it was not stored; it would reach clients that did not ask for it`,
  nonceInBody: (where: string) =>
    `${where}: the body holds this request's Content-Security-Policy nonce, so it was not ` +
    `stored (another request's nonce would not match it); pages with nonces are not cached`,
  userKeyNotId: (where: string, value: string) =>
    `${where}: userKey returned ${value}, not a string or a finite number; the request ` +
    `bypasses the cache. Return the user's id`,
  requestCallbackFailed: (where: string, callback: string, reason: string) =>
    `${where}: ${callback} failed (${reason}); the request is served without the cache`,
  perRequestSerializer: (where: string, serializer: string) =>
    `${where}: ${serializer} may choose its serializer options per request, so shared entries ` +
    `could show one request's fields to another; the route bypasses the cache unless ` +
    `scope: 'user'. Key on what the options depend on and use the stock ClassSerializerInterceptor`,
  sseCached: (where: string) =>
    `${where}: @Cached on an @Sse() handler; an event stream is never cached. Remove @Cached`,
  evictUserScopeWithoutUser: (where: string) =>
    `${where}: @CacheEvict with scope: 'user' found no user for the request (userKey); ` +
    `no per-user entry was evicted`,
  evictWithoutTarget: (where: string) =>
    `${where}: @CacheEvict needs at least one of keys, tags or all: true`,
  missingPackage: (where: string, option: string, name: string) =>
    `${where}: ${option} needs the package '${name}', which is not installed; ` +
    `run npm install ${name} or remove ${option}`,
  missingEventEmitter: (where: string) =>
    `${where}: events: true needs EventEmitterModule from '@nestjs/event-emitter'; ` +
    `add EventEmitterModule.forRoot() to your AppModule's imports or remove events`,
  esmOnlyPackage: (where: string, option: string, name: string) =>
    `${where}: ${option} loads '${name}', whose installed version is an ES module that this ` +
    `CommonJS app cannot require on this Node version; install the CommonJS line of ${name} ` +
    `(e.g. @nestjs/event-emitter@3 for Nest 10 and 11) or run Node 20.19+`,
  listenerFailed: (event: string, reason: string) =>
    `CacheModule: a listener of '${event}' threw (${reason}); the cache carried on. ` +
    `Catch errors in your listener (this is logged once per event name)`,
  ambiguousTtl: (where: string, value: string) =>
    `${where}: ttl '${value}' is a bare number in a string, which is ambiguous (seconds or ` +
    `milliseconds?); write the unit, e.g. '${value.trim()}s' or '${value.trim()}ms' (environment ` +
    `variables are strings: CACHE_TTL=${value.trim()}s), or pass a number of milliseconds`,
  resultTtlInvalid: (where: string, value: unknown, failure?: unknown) =>
    `${where}: the ttl function ` +
    (failure === undefined
      ? `returned ${describe(value)}, not a duration`
      : `failed (${errorText(failure)})`) +
    `, so the value was not stored; return a positive number of milliseconds, Infinity or a ` +
    `string such as '30s'`,
  resultTtlOnRoute: (where: string) =>
    `${where}: ttl as a function of the result works on provider methods and CacheService; on a ` +
    `route give a duration, or cache the provider method the handler calls`,
  notAMethod: (where: string) =>
    `${where}: @Cached, @CachePut and @CacheEvict go on methods, and this is a class property ` +
    `(an arrow function?); write it as a method: ${where.split('@')[1] ?? 'name'}(…) { … }`,
  cacheModuleNotVisible: (where: string, module: string) =>
    `${where}: ${module} cannot see CacheModule, so this method cannot be cached; import ` +
    `CacheModule in ${module} (CacheModule.forRoot() in its imports), or register it once with ` +
    `CacheModule.forRoot({ isGlobal: true })`,
  invalidDeleteKey: (value: unknown) =>
    `CacheService@delete: key ${describe(value)} is not a string; pass a string or an array of ` +
    `strings (undefined and null do nothing)`,
  strictStoreFailed: (operation: string, key: string, error: unknown) =>
    `CacheService@${operation}: the store failed for '${key}' (${errorText(error)}) and the call ` +
    `is strict; retry later, or drop { strict: true } to serve without the cache`,
  superseded: (key: string) =>
    `the write of '${key}' was overtaken by a newer write or a delete of the key before it ` +
    `reached the store`,
  sharedWriteFailed: (key: string) =>
    `the value of '${key}' computed by a concurrent call could not be stored`,
  compatStores: (ignored: number) =>
    `CacheModule.register: ${ignored} of the stores were ignored, only the last one (the shared ` +
    `one) is used; for an in-process tier in front of Redis use redisStore() from ` +
    `'nestjs-cached/redis', which keeps its L1 coherent across instances`,
  compatTtlFactoryInvalid: (where: string, value: unknown) =>
    `${where}: the @CacheTTL factory returned ${describe(value)}, not a number of milliseconds ` +
    `(0 = no expiry); the request bypasses the cache`,
  cachedOperation: (where: string, what: string) =>
    `${where}: @Cached on ${what} is not supported: its result changes data or is a stream, ` +
    `never a reusable answer; remove @Cached (use @CacheEvict to drop what it changes)`,
  fieldGuardsWithoutInterceptors: (where: string) =>
    `${where}: @Cached on a field resolver with fieldResolverEnhancers: ['guards'] but not ` +
    `'interceptors' would serve hits without running the guards; add 'interceptors' to ` +
    `fieldResolverEnhancers`,
  fieldWithoutParentId: (where: string) =>
    `${where}: the parent object has neither id nor _id, so the field cannot be keyed per ` +
    `parent; it runs uncached. Give @Cached a key template such as '{parent.code}'`,
  batchLength: (expected: number, got: string) =>
    `CacheService@wrapMany: load returned ${got} for ${expected} missing ids; it must return ` +
    `an array with one value per id, in the order it was given the ids (undefined for none)`,
  multipleEmissions: (where: string) =>
    `${where}: the handler's Observable emitted more than one value; it is not stored (only ` +
    `single values are cached)`,
  fastPathIneligible: (where: string, why: string) =>
    `${where}: fastPath is on but this route keeps the standard path because ${why}; ` +
    'remove that, or set fastPath: false on the route to silence this',
  lockUnsupported: (where: string, store: string) =>
    `${where}: distributedLock needs a store that can lock across instances, and ${store} ` +
    `cannot; use redisStore() from 'nestjs-cached/redis', or remove distributedLock (each ` +
    `process then runs its own single-flight)`,
  lockNotFinite: (where: string) =>
    `${where} must be a finite duration such as '10s' (a lock that never expires would block ` +
    `every instance after a crash)`,
  lockLost: (key: string) =>
    `the distributed lock of '${key}' expired while it was being computed (a lease shorter ` +
    `than the computation, or Redis unreachable); another instance may compute it too. ` +
    `Raise distributedLock.lease`,
} as const;

export function where(target: Function | object | undefined, method?: string | symbol): string {
  const name =
    typeof target === 'function' ? target.name : (target?.constructor?.name ?? 'Anonymous');
  return method === undefined ? name : `${name}@${String(method)}`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return value.name ? `function ${value.name}` : 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : `an object (${value.constructor?.name ?? 'null'})`;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
