/** The `X-Cache` values: how a response was answered. */
export type CacheLabel = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';
