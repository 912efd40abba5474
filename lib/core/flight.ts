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
  readonly tags: readonly string[];
  /** Tag versions read before the computation started; `null` when the store could not tell. */
  versions: string[] | null;
  cancelled: boolean;
}

/** What a computation produced: the value, and its stored form when it could be stored. */
export interface FlightResult<T> {
  value: T;
  /** The serialized value, set when it was storable; waiters decode their own copy from it. */
  payload?: string;
  meta?: ResponseMeta;
}

/** A computation others can join while it runs (single-flight). */
export interface Flight<T> {
  readonly ticket: Ticket;
  readonly promise: Promise<FlightResult<T>>;
}
