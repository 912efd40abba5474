/** Stable codes carried by every error nestjs-cached throws. */
export enum CacheErrorCode {
  InvalidTtl = 'E_INVALID_TTL',
  InvalidOption = 'E_INVALID_OPTION',
  InvalidStore = 'E_INVALID_STORE',
  InvalidKeyFactory = 'E_INVALID_KEY_FACTORY',
  InvalidKeyTemplate = 'E_INVALID_KEY_TEMPLATE',
  NotGetRoute = 'E_NOT_GET_ROUTE',
  NotStorable = 'E_NOT_STORABLE',
  StoreTimeout = 'E_STORE_TIMEOUT',
  StoreUnsupported = 'E_STORE_UNSUPPORTED',
  SseCached = 'E_SSE_CACHED',
  StoreUnavailable = 'E_STORE_UNAVAILABLE',
  CircuitOpen = 'E_CIRCUIT_OPEN',
  CachedOperation = 'E_CACHED_OPERATION',
  BatchLength = 'E_BATCH_LENGTH',
}
