import { NodeRedisClient, NodeRedisCluster, RedisBackend } from './redis-backend.interface';
import { setArgs, unlinkMatchingOn, BATCH } from './standalone.backend';
import { chunk, groupBySlot } from './redis-keys';
import { openNodeClient, reconnectDelay } from './redis-connection';

/**
 * Redis Cluster behind one node-redis cluster client. Multi-key commands are split by slot and
 * sent together (one pipelined round per slot, never CROSSSLOT); `unlinkMatching` SCANs every
 * master. A cluster the store opened is connected here and retried forever while it cannot be.
 */
export class ClusterBackend implements RedisBackend {
  readonly kind = 'cluster';
  readonly rotatesSubscriber = true;
  private connected = false;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;
  private markReady!: () => void;
  readonly firstReady = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly cluster: NodeRedisCluster,
    readonly owned: boolean,
    private readonly onError: (error: unknown) => void,
  ) {
    if (owned) this.connect(0);
    else this.markReady();
  }

  get ready(): boolean {
    return (this.owned ? this.connected : true) && this.cluster.isOpen;
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    const out: (string | null)[] = new Array(keys.length).fill(null);
    await Promise.all(
      groupBySlot(keys).map(async (group) => {
        const values = await this.cluster.sendCommand<(string | null)[]>(group.keys[0], true, [
          'MGET',
          ...group.keys,
        ]);
        group.at.forEach((position, i) => (out[position] = values[i]));
      }),
    );
    return out;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.cluster.sendCommand(key, false, setArgs(key, value, ttlMs));
  }

  async unlink(keys: readonly string[]): Promise<void> {
    await Promise.all(
      groupBySlot(keys).flatMap((group) =>
        chunk(group.keys, BATCH).map((batch) =>
          this.cluster.sendCommand(batch[0], false, ['UNLINK', ...batch]),
        ),
      ),
    );
  }

  async unlinkMatching(pattern: string): Promise<void> {
    await Promise.all(
      this.cluster.masters.map(async (master) => {
        const node = await this.cluster.nodeClient(master);
        await unlinkMatchingOn(node, pattern, (keys) => this.unlink(keys));
      }),
    );
  }

  keyed<T>(key: string, args: readonly string[]): Promise<T> {
    return this.cluster.sendCommand<T>(key, false, args);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.cluster.sendCommand(undefined, false, ['PUBLISH', channel, message]);
  }

  /** A plain client to one master: a classic PUBLISH on any node reaches subscribers on all. */
  subscriber(attempt: number): NodeRedisClient {
    const masters = this.cluster.masters;
    const master = masters[attempt % Math.max(1, masters.length)];
    if (master === undefined) throw new Error('Redis Cluster topology is not known yet');
    const defaults = this.cluster._options?.defaults ?? {};
    return openNodeClient({ host: master.host, port: master.port }, defaults, this.onError);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.owned && this.cluster.isOpen) this.cluster.destroy();
  }

  private connect(attempt: number): void {
    this.cluster.connect().then(
      () => {
        this.connected = true;
        this.markReady();
        if (this.closed) this.cluster.destroy();
      },
      (error) => {
        this.onError(error);
        if (this.closed) return;
        this.retryTimer = setTimeout(() => this.connect(attempt + 1), reconnectDelay(attempt));
        this.retryTimer.unref?.();
      },
    );
  }
}
