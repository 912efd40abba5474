import { randomBytes } from 'node:crypto';
import { StoreLock } from '../stores/store-lock.interface';
import { RedisBackend } from './redis-backend.interface';
import { RedisCalls } from './redis-calls';
import { lockKey, redisKey } from './redis-keys';

/**
 * Takes the lock (SET NX PX) and, in the same round trip, reads the entry it guards: the holder
 * must look again before computing (another instance may have stored it and released just now),
 * and this way that look costs nothing. The entry shares the lock's hash tag, so on Cluster both
 * keys live in one slot.
 */
const ACQUIRE = `if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('get', KEYS[2])}
end
return {0}`;
/** Compare-and-delete: a holder whose lease ran out never frees another holder's lock. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0`;
/** Compare-and-pexpire: renews the lease only while the token still holds it. */
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0`;

/** What the lock needs from the store around it. */
export interface LockHooks {
  /** The lock of `key` was taken; `value` is the entry Redis holds now (serve it to the next read). */
  acquired(key: string, value: string | undefined): void;
  /** The lock of `key` was released: tell the other instances' waiters. */
  released(key: string): void;
}

/**
 * The distributed lock of `redisStore()`: `<ns>:lock:<kind>:{<key>}` holds the holder's random
 * token for `lease` ms. Calls go through the store's breaker and timeout, so a failing Redis fails
 * them at once (the cache then falls back to per-process single-flight). Waiters are woken when
 * the entry is written or the lock released, here or (through the bus) in another instance.
 */
export class RedisLock implements StoreLock {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly backend: RedisBackend,
    private readonly calls: RedisCalls,
    private readonly hooks: LockHooks,
  ) {}

  async acquire(key: string, leaseMs: number): Promise<string | null> {
    const token = randomBytes(12).toString('base64url');
    const lock = lockKey(key);
    const args = ['EVAL', ACQUIRE, '2', lock, redisKey(key), token, whole(leaseMs)];
    const reply = await this.calls.run(() => this.backend.keyed<unknown[]>(lock, args));
    if (!Array.isArray(reply) || Number(reply[0]) !== 1) return null;
    this.hooks.acquired(key, typeof reply[1] === 'string' ? reply[1] : undefined);
    return token;
  }

  async extend(key: string, token: string, leaseMs: number): Promise<boolean> {
    const lock = lockKey(key);
    const args = ['EVAL', EXTEND, '1', lock, token, whole(leaseMs)];
    return Number(await this.calls.run(() => this.backend.keyed(lock, args))) === 1;
  }

  async release(key: string, token: string): Promise<void> {
    const lock = lockKey(key);
    try {
      await this.calls.run(() => this.backend.keyed(lock, ['EVAL', RELEASE, '1', lock, token]));
    } finally {
      this.wake([key]);
      this.hooks.released(key);
    }
  }

  changed(key: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let waiters = this.waiters.get(key);
      if (waiters === undefined) this.waiters.set(key, (waiters = new Set()));
      const own = waiters;
      const done = () => {
        clearTimeout(timer);
        own.delete(done);
        if (own.size === 0 && this.waiters.get(key) === own) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      own.add(done);
    });
  }

  /** `keys` were written, deleted or unlocked (here or elsewhere): their waiters look again. */
  wake(keys: readonly string[]): void {
    if (this.waiters.size === 0) return;
    for (const key of keys) {
      const waiters = this.waiters.get(key);
      if (waiters !== undefined) for (const done of [...waiters]) done();
    }
  }
}

function whole(ms: number): string {
  return String(Math.max(1, Math.ceil(ms)));
}
