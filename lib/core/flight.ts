import { ResponseMeta } from './cache-entry';

/**
 * One computation of a key in progress. It records the tag versions it started under; a delete,
 * overwrite, tag invalidation or clear in this process cancels it, so its result is never stored.
 */
export interface Ticket {
  readonly key: string;
  /** The user of a per-user entry (`scope: 'user'`). */
  readonly user?: string;
  readonly storeKey: string;
  /** What the entry keeps to rule out a hash collision (hashed keys only). */
  readonly fullKey?: string;
  readonly tags: readonly string[];
  /** Tag versions read before the computation started; `null` when the store could not tell. */
  versions: string[] | null;
  /** `Date.now()` when the computation started. */
  readonly startedAt: number;
  cancelled: boolean;
  /**
   * The store write of its value, while in flight (settles within `storeTimeout`): a delete that
   * cancels the ticket waits for it, then deletes again, so a slow write never outlives a delete.
   */
  writing?: Promise<unknown>;
  /** Set by a delete or clear: the value must be removed again if its write lands late. */
  erase?: boolean;
  /** Set when the store failed the write of its value (not a cancellation). */
  writeFailed?: boolean;
}

/** What a computation produced: the value, and its stored form when it could be stored. */
export interface FlightResult<T> {
  value: T;
  /** The serialized value, set when it was storable; waiters decode their own copy from it. */
  payload?: string;
  meta?: ResponseMeta;
  /**
   * Set for a caller that joined a computation but ran its own (the running one outlasted
   * `flightTimeout`, or its result could not be shared): `value` is this caller's own result.
   */
  own?: boolean;
  /**
   * The computation failed, and its caller reports the error itself (an HTTP handler's error goes
   * to the exception filter): tracing ends it on the `error` channel.
   */
  failure?: { error: unknown };
  /**
   * The store write of the result, when it has not landed yet (an asynchronous store): the flight
   * stays joinable until it does, so a request arriving between the response and the write shares
   * the result instead of computing again.
   */
  written?: Promise<unknown>;
  /**
   * Set when another instance holds the distributed lock of the key while a stale entry is
   * served (staleWhileRevalidate): nothing was computed here, the caller serves the stale entry.
   */
  elsewhere?: boolean;
}

/** A computation others can join while it runs (single-flight). */
export interface Flight<T> {
  readonly ticket: Ticket;
  readonly promise: Promise<FlightResult<T>>;
  /** `Date.now()` when it started: older than `flightTimeout`, it takes no new joiners. */
  readonly startedAt: number;
}
