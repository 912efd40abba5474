/** The node-redis surface the store uses, typed structurally so any node-redis 5 client fits. */
export interface NodeRedisClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand<T = unknown>(args: readonly string[]): Promise<T>;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<void>;
  duplicate(): NodeRedisClient;
  on(event: string, listener: (...args: any[]) => void): unknown;
  destroy(): void;
}

export interface NodeRedisCluster {
  readonly isOpen: boolean;
  readonly masters: readonly { host: string; port: number }[];
  connect(): Promise<unknown>;
  sendCommand<T = unknown>(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: readonly string[],
  ): Promise<T>;
  nodeClient(node: unknown): Promise<NodeRedisClient>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  destroy(): void;
  readonly _options?: { defaults?: object };
}

/**
 * One Redis deployment (standalone server or Cluster) as the store sees it: Redis keys in, raw
 * replies out. Implementations never queue a command while disconnected and split multi-key
 * commands by slot on Cluster.
 */
export interface RedisBackend {
  /** `standalone` or `cluster`, for the store's name. */
  readonly kind: string;
  /** True when a command can be sent now (connected, or the Cluster's topology known). */
  readonly ready: boolean;
  /** True when the store opened the connection (and closes it); false for the app's own client. */
  readonly owned: boolean;
  /** Resolves when the first connection is ready (never rejects; may never resolve). */
  readonly firstReady: Promise<void>;
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** `ttlMs` is `Infinity` or a positive whole number of milliseconds. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  unlink(keys: readonly string[]): Promise<void>;
  /** Unlinks every key matching `pattern` on every master. */
  unlinkMatching(pattern: string): Promise<void>;
  publish(channel: string, message: string): Promise<void>;
  /** A command on one key (`SET … NX`, `EVAL` with one key), sent to the node holding `key`. */
  keyed<T>(key: string, args: readonly string[]): Promise<T>;
  /**
   * A new connection for the bus's subscriber (the caller connects and closes it); `attempt`
   * picks another node when `rotatesSubscriber` (Cluster: the next master).
   */
  subscriber(attempt: number): NodeRedisClient;
  readonly rotatesSubscriber: boolean;
  close(): void;
}
