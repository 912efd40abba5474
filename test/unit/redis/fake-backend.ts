import { EventEmitter } from 'node:events';
import { NodeRedisClient, RedisBackend } from '../../../lib/redis/redis-backend.interface';

/** A Redis stand-in for unit tests: a Map, a pub/sub channel in process, switches for faults. */
export class FakeBackend implements RedisBackend {
  readonly kind = 'fake';
  readonly owned = true;
  readonly rotatesSubscriber = false;
  readonly firstReady = Promise.resolve();
  readonly data = new Map<string, string>();
  ready = true;
  mgets = 0;
  readonly subscriberClient = new FakeSubscriber();

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    this.check();
    this.mgets++;
    return keys.map((key) => this.data.get(key) ?? null);
  }
  async set(key: string, value: string): Promise<void> {
    this.check();
    this.data.set(key, value);
  }
  async unlink(keys: readonly string[]): Promise<void> {
    this.check();
    for (const key of keys) this.data.delete(key);
  }
  async unlinkMatching(): Promise<void> {
    this.check();
    this.data.clear();
  }
  async publish(): Promise<void> {
    this.check();
  }
  async keyed<T>(): Promise<T> {
    throw new Error('locks are tested against a real Redis');
  }
  subscriber(): NodeRedisClient {
    return this.subscriberClient as unknown as NodeRedisClient;
  }
  close(): void {}

  private check(): void {
    if (!this.ready) throw new Error('down');
  }
}

export class FakeSubscriber extends EventEmitter {
  isOpen = true;
  isReady = true;
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  destroy(): void {
    this.isOpen = false;
    this.isReady = false;
  }
}
