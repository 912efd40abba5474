import { createHash } from 'node:crypto';
import { MAX_KEY_LENGTH } from '../cache.constants';

/**
 * Lays out a namespace in a store: entries under `<ns>:e:<key>`, tag versions under `<ns>:t:<tag>`.
 * Keys longer than 200 characters are stored under a SHA-256 of the key (the entry keeps the full
 * key, so a collision would read as a miss, never as another request's entry).
 */
export class StoreKeys {
  readonly prefix: string;
  private readonly entryPrefix: string;
  private readonly tagPrefix: string;

  constructor(namespace: string) {
    this.prefix = `${namespace}:`;
    this.entryPrefix = `${namespace}:e:`;
    this.tagPrefix = `${namespace}:t:`;
  }

  entry(key: string): string {
    return key.length > MAX_KEY_LENGTH
      ? this.entryPrefix + '#' + hash(key)
      : this.entryPrefix + key;
  }

  isHashed(key: string): boolean {
    return key.length > MAX_KEY_LENGTH;
  }

  tag(tag: string): string {
    return tag.length > MAX_KEY_LENGTH ? this.tagPrefix + '#' + hash(tag) : this.tagPrefix + tag;
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
