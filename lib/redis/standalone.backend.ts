import { NodeRedisClient, RedisBackend } from './redis-backend.interface';
import { chunk } from './redis-keys';

/** Keys per UNLINK and per SCAN page. */
export const BATCH = 500;

/** A single Redis server (or Valkey, or any Redis-protocol server) behind one node-redis client. */
export class StandaloneBackend implements RedisBackend {
  readonly kind = 'standalone';
  readonly rotatesSubscriber = false;
  readonly firstReady: Promise<void>;

  /** `owned`: the store opened the client and closes it; a client passed in stays the app's. */
  constructor(
    private readonly client: NodeRedisClient,
    readonly owned: boolean,
  ) {
    this.firstReady = client.isReady
      ? Promise.resolve()
      : new Promise((resolve) => client.on('ready', resolve));
  }

  get ready(): boolean {
    return this.client.isReady;
  }

  mget(keys: readonly string[]): Promise<(string | null)[]> {
    return this.client.sendCommand(['MGET', ...keys]);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.client.sendCommand(setArgs(key, value, ttlMs));
  }

  async unlink(keys: readonly string[]): Promise<void> {
    await Promise.all(
      chunk(keys, BATCH).map((batch) => this.client.sendCommand(['UNLINK', ...batch])),
    );
  }

  async unlinkMatching(pattern: string): Promise<void> {
    await unlinkMatchingOn(this.client, pattern, (keys) => this.unlink(keys));
  }

  keyed<T>(_key: string, args: readonly string[]): Promise<T> {
    return this.client.sendCommand<T>(args);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.client.sendCommand(['PUBLISH', channel, message]);
  }

  subscriber(): NodeRedisClient {
    return this.client.duplicate();
  }

  close(): void {
    if (this.owned && this.client.isOpen) this.client.destroy();
  }
}

export function setArgs(key: string, value: string, ttlMs: number): string[] {
  return Number.isFinite(ttlMs)
    ? ['SET', key, value, 'PX', String(Math.max(1, Math.ceil(ttlMs)))]
    : ['SET', key, value];
}

/** SCANs one server for `pattern` and hands every page to `unlink` (never KEYS, never FLUSHDB). */
export async function unlinkMatchingOn(
  client: NodeRedisClient,
  pattern: string,
  unlink: (keys: string[]) => Promise<void>,
): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.sendCommand<[string, string[]]>([
      'SCAN',
      cursor,
      'MATCH',
      pattern,
      'COUNT',
      String(BATCH),
    ]);
    if (keys.length > 0) await unlink(keys);
    cursor = String(next);
  } while (cursor !== '0');
}
