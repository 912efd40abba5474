import { MaybePromise } from '../stores/cache-store.interface';
import { isThenable, then } from '../utils/is-thenable';
import { CacheEntry, ResponseMeta } from './cache-entry';
import { encodeEntry } from './entry.codec';
import { Ticket } from './flight';
import { GuardedStore } from './guarded-store';
import { Lifetimes } from './lifetimes';
import { SourceCounter } from './source.counter';
import { StatsCounter } from './stats.counter';
import { EntryKey, StoreKeys } from './store-keys';
import { CLOCK_MARGIN_MS, INITIAL_VERSION, TagVersions } from './tag-versions';

/** How long an entry lives: `ttl`, then the larger stale window. */
export interface WriteOptions {
  ttl: number;
  staleWindow?: number;
  meta?: ResponseMeta;
  /** The handler or method the entry is for: its counters get the write (or its failure). */
  source?: SourceCounter;
  /** When the value was made (a response's own time, sent as `Last-Modified`). @default now */
  createdAt?: number;
}

/**
 * Writes entries under tickets, guarded against invalidation races: a ticket records the tag
 * versions its computation started under, a delete, overwrite, invalidation or clear in this
 * process cancels it, and it stays known until its store write settles, so a delete that overtakes
 * a slow write (pooled SQL adapters, multi-tier stores) waits for it and deletes again.
 */
export class EntryWriter {
  private readonly tickets = new Set<Ticket>();

  constructor(
    private readonly keys: StoreKeys,
    private readonly guarded: GuardedStore,
    private readonly tagVersions: TagVersions,
    private readonly lifetimes: Lifetimes,
    private readonly stats: StatsCounter,
  ) {}

  /** Starts a computation of `key`: records the tag versions it runs under. */
  begin(at: EntryKey, tags: readonly string[]): MaybePromise<Ticket> {
    const ticket: Ticket = {
      key: at.key,
      user: at.user,
      storeKey: at.storeKey,
      fullKey: at.fullKey,
      tags,
      versions: null,
      startedAt: Date.now(),
      cancelled: false,
    };
    this.tickets.add(ticket);
    return then(this.tagVersions.current(tags), (versions) => {
      ticket.versions = versions;
      return ticket;
    });
  }

  /**
   * Stores a computed value unless its ticket was cancelled meanwhile. Resolves `false` when it was
   * not stored (cancelled, or the store failed). Never rejects.
   */
  commit(ticket: Ticket, payload: string, options: WriteOptions): MaybePromise<boolean> {
    if (ticket.cancelled || ticket.versions === null) {
      this.tickets.delete(ticket);
      return false;
    }
    const now = Date.now();
    // An entry never outlives the tag versions it records (see TagVersions).
    const until = this.tagVersions.expiry(ticket.versions);
    const freshUntil = Math.min(now + options.ttl, until);
    const staleUntil = Math.min(freshUntil + (options.staleWindow ?? 0), until);
    if (staleUntil <= now) {
      this.tickets.delete(ticket);
      return false;
    }
    const entry: CacheEntry = {
      payload,
      createdAt: Math.min(options.createdAt ?? now, now),
      freshUntil,
      staleUntil,
      tags: ticket.tags as string[],
      tagVersions: ticket.versions,
      meta: options.meta,
      fullKey: ticket.fullKey,
    };
    const initial = ticket.tags.filter((_, i) => ticket.versions![i] === INITIAL_VERSION);
    if (initial.length === 0) return this.write(ticket, entry, staleUntil - now, options.source);
    // Entries under a tag's initial version: make sure a concurrent invalidation's version will
    // outlive this one (see Lifetimes), then check no invalidation came in between. A long
    // computation is checked again too: another process's invalidation made meanwhile has a
    // version that only outlives entries written soon after it (within its margin).
    const long = now - ticket.startedAt >= CLOCK_MARGIN_MS / 2;
    const result = then(this.lifetimes.mark(staleUntil - now, initial), (marked) => {
      if (!marked && !long) return this.write(ticket, entry, staleUntil - now, options.source);
      return then(this.tagVersions.current(initial), (versions) => {
        if (versions !== null && versions.every((v) => v === INITIAL_VERSION)) {
          return this.write(ticket, entry, staleUntil - now, options.source);
        }
        return this.drop(ticket);
      });
    });
    // Known as being written from now on: a delete meanwhile waits for it (see `write`).
    if (isThenable(result) && ticket.writing === undefined) ticket.writing = result;
    return result;
  }

  private drop(ticket: Ticket): false {
    ticket.writing = undefined;
    this.tickets.delete(ticket);
    return false;
  }

  private write(
    ticket: Ticket,
    entry: CacheEntry,
    ttlMs: number,
    source: SourceCounter | undefined,
  ): MaybePromise<boolean> {
    if (ticket.cancelled) return this.drop(ticket);
    const write = this.guarded.writeTracked(ticket.storeKey, encodeEntry(entry), ttlMs);
    const done = (ok: boolean) => {
      if (ok) this.stats.sets++;
      else ticket.writeFailed = true;
      if (source !== undefined && ok) source.stored(ticket.key);
      else if (source !== undefined) source.failed();
      return ok;
    };
    if (!isThenable(write.ok) && write.landed === undefined) {
      this.tickets.delete(ticket);
      return done(write.ok);
    }
    // The ticket stays known until the write settles: a delete meanwhile waits for it.
    const written = Promise.resolve(write.ok);
    ticket.writing = written;
    const settled = () => {
      ticket.writing = undefined;
      this.tickets.delete(ticket);
      if (ticket.erase) this.guarded.discard([ticket.storeKey]);
    };
    written.then(settled);
    // A write that outlasted storeTimeout may still land: a delete since then removes it again.
    write.landed?.then(() => ticket.erase && this.guarded.discard([ticket.storeKey]));
    return written.then(done);
  }

  /** Forgets a ticket whose value will not be stored (one being written stays until it lands). */
  release(ticket: Ticket): void {
    if (ticket.writing === undefined) this.tickets.delete(ticket);
  }

  /**
   * Cancels the tickets that match. With `erase` (a delete or clear), a value of theirs being
   * written is removed once written; returns those writes (each settles within `storeTimeout`).
   */
  cancel(matches: (ticket: Ticket) => boolean, erase: boolean): Promise<unknown>[] {
    const writing: Promise<unknown>[] = [];
    for (const ticket of this.tickets) {
      if (!matches(ticket)) continue;
      ticket.cancelled = true;
      if (erase) ticket.erase = true;
      if (erase && ticket.writing !== undefined) writing.push(ticket.writing);
    }
    return writing;
  }

  /** Store keys whose write is under way. */
  writing(): string[] {
    return [...this.tickets].filter((t) => t.writing !== undefined).map((t) => t.storeKey);
  }
}
