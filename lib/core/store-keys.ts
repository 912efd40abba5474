import { createHash } from 'node:crypto';
import { MAX_KEY_LENGTH } from '../cache.constants';

/** A key and where it lives in the store, worked out once per request and carried along. */
export interface EntryKey {
  readonly key: string;
  /** The user of a per-user entry (`scope: 'user'`). */
  readonly user?: string;
  readonly storeKey: string;
  /** What the entry keeps to rule out a hash collision (hashed keys only). */
  readonly fullKey?: string;
}

/**
 * Lays out a namespace in a store: shared entries under `<ns>:e:<key>`, per-user entries under
 * `<ns>:u:<"user">:<key>` (a space no key template can reach), tag versions under `<ns>:t:<tag>`, namespace facts under `<ns>:m:`.
 * Keys longer than 200 characters are stored under a SHA-256 of the key (the entry keeps the full
 * key, so a collision would read as a miss, never as another request's entry).
 */
export class StoreKeys {
  readonly prefix: string;
  private readonly entryPrefix: string;
  private readonly userPrefix: string;
  private readonly tagPrefix: string;
  private readonly metaPrefix: string;

  constructor(namespace: string) {
    this.prefix = `${namespace}:`;
    this.entryPrefix = `${namespace}:e:`;
    this.userPrefix = `${namespace}:u:`;
    this.tagPrefix = `${namespace}:t:`;
    this.metaPrefix = `${namespace}:m:`;
  }

  /** Facts about the namespace itself (see `Lifetimes`), under `<ns>:m:<name>`. */
  meta(name: string): string {
    return this.metaPrefix + name;
  }

  /** `key`'s store key and collision guard, computed once (one hash for a long key). */
  locate(key: string, user?: string): EntryKey {
    const local = this.local(key, user);
    const prefix = user === undefined ? this.entryPrefix : this.userPrefix;
    if (local.length <= MAX_KEY_LENGTH) return { key, user, storeKey: prefix + local };
    return { key, user, storeKey: prefix + '#' + hash(local), fullKey: local };
  }

  /** The store key of `key`, in the user's own space when `user` is given. */
  entry(key: string, user?: string): string {
    const local = this.local(key, user);
    const prefix = user === undefined ? this.entryPrefix : this.userPrefix;
    return local.length > MAX_KEY_LENGTH ? prefix + '#' + hash(local) : prefix + local;
  }

  /** What an entry keeps to rule out a hash collision, or `undefined` when the key is not hashed. */
  fullKey(key: string, user?: string): string | undefined {
    const local = this.local(key, user);
    return local.length > MAX_KEY_LENGTH ? local : undefined;
  }

  private local(key: string, user: string | undefined): string {
    return user === undefined ? key : JSON.stringify(user) + ':' + key;
  }

  tag(tag: string): string {
    return tag.length > MAX_KEY_LENGTH ? this.tagPrefix + '#' + hash(tag) : this.tagPrefix + tag;
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
