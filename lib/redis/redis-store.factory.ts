import { CacheConfigError } from '../errors/cache-config.error';
import { messages } from '../errors/cache.messages';
import { MemoryStore } from '../stores/memory.store';
import { ClusterBackend } from './cluster.backend';
import { RedisBackend } from './redis-backend.interface';
import {
  createClusterClient,
  isClusterClient,
  isNodeRedisClient,
  openClient,
} from './redis-connection';
import { RedisStore, RedisStoreSettings } from './redis.store';
import { StandaloneBackend } from './standalone.backend';

const WHERE = 'redisStore';
const KNOWN = ['url', 'cluster', 'client', 'l1'];

/** Options of `redisStore()`: one of `url`, `cluster` or `client`, and the L1. */
export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL of a Redis 6/7 or Valkey server. @default 'redis://localhost:6379' */
  url?: string;
  /** Redis Cluster: the URLs of some of its nodes (the rest is discovered). */
  cluster?: { rootNodes: string[] };
  /**
   * The app's own node-redis client or cluster (`createClient` / `createCluster`), used as is: the
   * store neither connects nor closes it (the bus opens its own subscriber with `duplicate()`).
   */
  client?: unknown;
  /**
   * The in-process L1 in front of Redis, or `false` for none (every read goes to Redis).
   * @default { maxEntries: 1_000, maxBytes: 16_777_216 }
   */
  l1?: false | { maxEntries?: number; maxBytes?: number };
}

/** Internal defaults; `storeTimeout` (module option) still bounds every call the cache makes. */
export const DEFAULT_SETTINGS: RedisStoreSettings = {
  commandTimeoutMs: 1_000,
  breakerThreshold: 5,
  breakerCooldownMs: 500,
};

/**
 * A Redis store for `CacheModule`: Redis or Valkey (standalone or Cluster) shared by every
 * instance, a bounded in-process L1 in front of it that every instance keeps coherent over Redis
 * pub/sub, and fail-open behaviour when Redis is down (a circuit breaker, no offline queue).
 * @example
 * CacheModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ store: redisStore({ url: config.get('REDIS_URL') }) }),
 * })
 * @example
 * redisStore({ cluster: { rootNodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] } })
 */
export function redisStore(
  options: RedisStoreOptions = {},
  /** Tuning of the breaker and of the per-command timeout; the defaults suit production. */
  settings: Partial<RedisStoreSettings> = {},
): RedisStore {
  if (typeof options !== 'object' || options === null) {
    throw invalid('options', 'an object', options);
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN.includes(name))
      throw new CacheConfigError(messages.unknownOption(WHERE, name, KNOWN));
  }
  const given = (['url', 'cluster', 'client'] as const).filter((o) => options[o] !== undefined);
  if (given.length > 1) {
    throw invalid(
      given[1],
      `alone (got ${given.join(' and ')}); give one of them`,
      options[given[1]],
    );
  }
  const l1 = createL1(options.l1);
  const created: { store?: RedisStore } = {};
  const backend = createBackend(options, (error) => created.store?.connectionError(error));
  created.store = new RedisStore(backend, l1, { ...DEFAULT_SETTINGS, ...settings });
  return created.store;
}

function createBackend(
  options: RedisStoreOptions,
  onError: (error: unknown) => void,
): RedisBackend {
  if (options.client !== undefined) {
    if (isClusterClient(options.client)) return new ClusterBackend(options.client, false, onError);
    if (isNodeRedisClient(options.client)) return new StandaloneBackend(options.client, false);
    throw invalid(
      'client',
      'a node-redis client or cluster (createClient / createCluster)',
      options.client,
    );
  }
  if (options.cluster !== undefined) {
    const roots = options.cluster?.rootNodes;
    if (!Array.isArray(roots) || roots.length === 0 || !roots.every((u) => typeof u === 'string')) {
      throw invalid('cluster', '{ rootNodes: string[] } with at least one URL', options.cluster);
    }
    return new ClusterBackend(createClusterClient(roots, onError), true, onError);
  }
  if (
    options.url !== undefined &&
    (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url))
  ) {
    throw invalid('url', "a 'redis://' or 'rediss://' URL", options.url);
  }
  return new StandaloneBackend(openClient(options.url, onError), true);
}

function createL1(l1: RedisStoreOptions['l1']): MemoryStore | undefined {
  if (l1 === false) return undefined;
  if (l1 !== undefined && (typeof l1 !== 'object' || l1 === null)) {
    throw invalid('l1', 'false or { maxEntries?, maxBytes? }', l1);
  }
  return new MemoryStore({
    maxEntries: l1?.maxEntries ?? 1_000,
    maxBytes: l1?.maxBytes ?? 16 * 1024 * 1024,
  });
}

function invalid(option: string, expected: string, value: unknown): CacheConfigError {
  return new CacheConfigError(messages.invalidOption(WHERE, option, expected, value));
}
