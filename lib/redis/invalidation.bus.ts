import { randomBytes } from 'node:crypto';
import { NodeRedisClient, RedisBackend } from './redis-backend.interface';
import { escapeKeyPart } from './redis-keys';

/** What another instance changed: keys deleted or overwritten, or a whole prefix cleared. */
export interface BusMessage {
  /** The sender, so an instance ignores its own messages. */
  i: string;
  /** Cache keys to drop from L1. */
  k?: string[];
  /** A cache prefix to drop from L1 (`clear()`), or `''` for everything (lost messages). */
  c?: string;
  /** Cache keys whose distributed lock was released: waiters look again (L1 is not touched). */
  l?: string[];
}

export interface BusListener {
  /** Another instance's message, for namespace `namespace`. */
  received(namespace: string, message: BusMessage): void;
  /** The subscription of `namespace` is (again) live: messages may have been missed before. */
  resync(namespace: string): void;
}

/** Messages kept for retry while Redis refuses them; past this, one "drop everything" replaces them. */
export const MAX_OUTBOX = 1_000;
const RETRY_MS = 200;
/** Failed connection attempts after which a Cluster's subscriber moves to another master. */
const ATTEMPTS_PER_NODE = 3;

/**
 * Keeps every instance's L1 coherent over Redis pub/sub, one channel per namespace (so two apps
 * with different namespaces never see each other's messages) on a dedicated subscriber
 * connection. Changes made in one tick go out as one message, after the Redis write succeeded;
 * failed publishes wait in a bounded outbox and are retried.
 */
export class InvalidationBus {
  readonly id = randomBytes(8).toString('hex');
  private subscriber?: NodeRedisClient;
  private readonly watched = new Set<string>();
  private readonly subscribed = new Set<string>();
  private everReady = false;
  /** Times the subscriber came back after a disconnection (each one flushed L1). */
  reconnects = 0;
  private closed = false;
  private startTimer?: NodeJS.Timeout;
  private attempt = 0;
  private failuresSinceReady = 0;
  private readonly pending = new Map<
    string,
    { keys: Set<string>; prefix?: string; released?: Set<string> }
  >();
  private outbox: { namespace: string; message: BusMessage }[] = [];
  private scheduled = false;
  private sending = false;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly backend: RedisBackend,
    private readonly listener: BusListener,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Subscribes to `namespace`'s channel (once). */
  watch(namespace: string): void {
    if (this.closed || this.watched.has(namespace)) return;
    this.watched.add(namespace);
    if (this.subscriber === undefined) this.start();
    else if (this.subscriber.isReady) this.subscribe(namespace);
  }

  /** True while this instance surely hears every message of `namespace`. */
  live(namespace: string): boolean {
    return this.subscriber?.isReady === true && this.subscribed.has(namespace);
  }

  /** Tells other instances to drop `keys` (or a whole `prefix`) from their L1. */
  publish(
    namespace: string,
    change: { keys?: readonly string[]; prefix?: string; released?: string },
  ): void {
    if (this.closed) return;
    let batch = this.pending.get(namespace);
    if (batch === undefined) this.pending.set(namespace, (batch = { keys: new Set() }));
    for (const key of change.keys ?? []) batch.keys.add(key);
    if (change.prefix !== undefined) batch.prefix = change.prefix;
    if (change.released !== undefined) (batch.released ??= new Set()).add(change.released);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Messages not yet delivered (for tests and shutdown). */
  get backlog(): number {
    return this.outbox.length + this.pending.size;
  }

  /** Sends what is pending (bounded by `timeoutMs`), then closes the subscriber. */
  async close(timeoutMs = 200): Promise<void> {
    this.flush();
    if (this.outbox.length > 0 && this.backend.ready) {
      await Promise.race([this.send(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    this.closed = true;
    clearTimeout(this.startTimer);
    clearTimeout(this.retryTimer);
    if (this.subscriber?.isOpen) this.subscriber.destroy();
  }

  private channel(namespace: string): string {
    return `${escapeKeyPart(namespace)}:__bus`;
  }

  private start(): void {
    if (this.closed) return;
    let subscriber: NodeRedisClient;
    try {
      subscriber = this.backend.subscriber(this.attempt);
    } catch {
      // A Cluster whose topology is not known yet: try again shortly.
      this.startTimer = setTimeout(() => this.start(), RETRY_MS);
      this.startTimer.unref?.();
      return;
    }
    this.subscriber = subscriber;
    subscriber.on('error', (error: unknown) => {
      if (subscriber === this.subscriber) this.subscriberFailed(error);
    });
    subscriber.on('ready', () => {
      if (subscriber === this.subscriber) this.onReady();
    });
    if (!subscriber.isOpen) subscriber.connect().catch(this.onError);
    else if (subscriber.isReady) this.onReady();
  }

  /** On a Cluster, a node that keeps refusing is left for the next master. */
  private subscriberFailed(error: unknown): void {
    this.onError(error);
    const subscriber = this.subscriber!;
    if (subscriber.isReady || !this.backend.rotatesSubscriber) return;
    if (++this.failuresSinceReady < ATTEMPTS_PER_NODE) return;
    this.failuresSinceReady = 0;
    this.attempt++;
    this.subscribed.clear();
    this.everReady = false;
    if (subscriber.isOpen) subscriber.destroy();
    this.start();
  }

  private onReady(): void {
    if (this.closed) return;
    this.failuresSinceReady = 0;
    // node-redis re-subscribes before it says ready: what was subscribed is live again, but
    // whatever was published meanwhile is lost.
    if (this.everReady) {
      this.reconnects++;
      for (const namespace of this.subscribed) this.listener.resync(namespace);
    }
    this.everReady = true;
    for (const namespace of this.watched) {
      if (!this.subscribed.has(namespace)) this.subscribe(namespace);
    }
  }

  private subscribe(namespace: string): void {
    const subscriber = this.subscriber!;
    subscriber
      .subscribe(this.channel(namespace), (text) => this.receive(namespace, text))
      .then(
        () => {
          if (subscriber !== this.subscriber) return; // replaced meanwhile
          this.subscribed.add(namespace);
          this.listener.resync(namespace);
        },
        (error) => {
          this.onError(error);
          // Refused while connected: try again (a disconnection retries on the next ready).
          const retry = setTimeout(() => {
            if (!this.closed && subscriber === this.subscriber && subscriber.isReady) {
              this.subscribe(namespace);
            }
          }, RETRY_MS);
          retry.unref?.();
        },
      );
  }

  private receive(namespace: string, text: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message?.i !== this.id) this.listener.received(namespace, message);
  }

  private flush(): void {
    this.scheduled = false;
    for (const [namespace, batch] of this.pending) {
      const message: BusMessage = { i: this.id };
      if (batch.prefix !== undefined) message.c = batch.prefix;
      if (batch.keys.size > 0) message.k = [...batch.keys];
      if (batch.released !== undefined) message.l = [...batch.released];
      this.outbox.push({ namespace, message });
    }
    this.pending.clear();
    if (this.outbox.length > MAX_OUTBOX) {
      // Too much to retry one by one: every other instance drops its whole L1 of these namespaces.
      const namespaces = new Set(this.outbox.map((item) => item.namespace));
      this.outbox = [...namespaces].map((namespace) => ({
        namespace,
        message: { i: this.id, c: `${namespace}:` },
      }));
    }
    void this.send();
  }

  private async send(): Promise<void> {
    if (this.sending || this.outbox.length === 0) return;
    this.sending = true;
    try {
      while (this.outbox.length > 0) {
        const [item] = this.outbox;
        if (!this.backend.ready) throw new Error('Redis is not connected');
        await this.backend.publish(this.channel(item.namespace), JSON.stringify(item.message));
        this.outbox.shift();
      }
    } catch (error) {
      this.onError(error);
      if (!this.closed) {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => void this.send(), RETRY_MS);
        this.retryTimer.unref?.();
      }
    } finally {
      this.sending = false;
    }
  }
}
