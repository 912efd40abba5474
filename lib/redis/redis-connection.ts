import { createClient, createCluster } from '@keyv/redis';
import { NodeRedisClient, NodeRedisCluster } from './redis-backend.interface';

/** Connect attempts give up after this long (then reconnect with backoff). */
export const CONNECT_TIMEOUT_MS = 1_000;
/** The longest wait between two reconnect attempts: Redis back, caching resumes within seconds. */
export const MAX_RECONNECT_DELAY_MS = 1_000;

/** Reconnects forever, backing off from 50 ms to 1 s, with jitter so instances do not stampede. */
export function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100);
}

/** Options for every connection the store opens: no offline queue, a short connect timeout. */
export function socketDefaults() {
  return {
    disableOfflineQueue: true,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: reconnectDelay },
  };
}

/** A standalone client for `url`, with an `error` listener (node-redis throws without one). */
export function openClient(url: string | undefined, onError: (error: unknown) => void) {
  const client = createClient({ url, ...socketDefaults() }) as unknown as NodeRedisClient;
  client.on('error', onError);
  client.connect().catch(onError);
  return client;
}

/** A client for one Cluster node (the bus's subscriber: PUBLISH reaches every node). */
export function openNodeClient(
  socket: { host: string; port: number },
  defaults: object,
  onError: (error: unknown) => void,
) {
  const base = socketDefaults();
  const client = createClient({
    ...defaults,
    ...base,
    socket: { ...(defaults as { socket?: object }).socket, ...base.socket, ...socket },
  }) as unknown as NodeRedisClient;
  client.on('error', onError);
  return client;
}

/** A Cluster client for `rootNodes`; the caller connects it (and retries while it cannot). */
export function createClusterClient(rootNodes: readonly string[], onError: (e: unknown) => void) {
  const cluster = createCluster({
    rootNodes: rootNodes.map((url) => ({ url })),
    defaults: socketDefaults(),
  }) as unknown as NodeRedisCluster;
  cluster.on('error', onError);
  return cluster;
}

/** True for a node-redis Cluster client (it has masters and routes by key). */
export function isClusterClient(value: unknown): value is NodeRedisCluster {
  return typeof value === 'object' && value !== null && 'masters' in value && 'nodeClient' in value;
}

/** True for a node-redis standalone client. */
export function isNodeRedisClient(value: unknown): value is NodeRedisClient {
  const v = value as Partial<NodeRedisClient> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.sendCommand === 'function' &&
    typeof v.duplicate === 'function' &&
    'isReady' in v
  );
}
