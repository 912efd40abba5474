import diagnostics from 'node:diagnostics_channel';
import { MaybePromise } from '../stores/cache-store.interface';
import { isThenable } from '../utils/is-thenable';

/** The name of the tracing channel: subscribe with `diagnostics_channel.tracingChannel(name)`. */
export const OPERATION_CHANNEL = 'nestjs-cached:operation';

/** What the cache is doing: reading, computing (handler or method), writing, invalidating. */
export type CacheOperation = 'lookup' | 'compute' | 'store' | 'invalidate';

/**
 * The message of one traced operation. Node's TracingChannel sets `result` or `error` on it; the
 * same object goes through `start`, `end`, `asyncStart`, `asyncEnd` and `error`.
 */
export interface CacheOperationMessage {
  operation: CacheOperation;
  namespace: string;
  /** The key (lookup, compute, store), or the keys or tags invalidated, joined with a comma. */
  key?: string;
  /** For `invalidate`: `key`, `tag` or `clear`. */
  target?: 'key' | 'tag' | 'clear';
  result?: unknown;
  error?: unknown;
}

/** A message builder for `traced` (called only when something traces). */
export function operation(
  name: CacheOperation,
  namespace: string,
  key: string | readonly string[],
  target?: CacheOperationMessage['target'],
): () => CacheOperationMessage {
  return () => ({
    operation: name,
    namespace,
    key: typeof key === 'string' ? key : key.join(','),
    ...(target && { target }),
  });
}

const channel = diagnostics.tracingChannel<CacheOperationMessage>(OPERATION_CHANNEL);

function traceable(): boolean {
  return (
    channel.start.hasSubscribers ||
    channel.end.hasSubscribers ||
    channel.asyncStart.hasSubscribers ||
    channel.asyncEnd.hasSubscribers ||
    channel.error.hasSubscribers
  );
}

/**
 * Runs `fn` traced as `operation` when the channel has subscribers; otherwise calls it and builds
 * nothing. Publishes as `traceSync` does for a value and as `tracePromise` does for a promise, so
 * one subscriber handles both (an operation is asynchronous when `end` comes without `result`).
 */
export function traced<T>(
  message: () => CacheOperationMessage,
  fn: () => MaybePromise<T>,
): MaybePromise<T> {
  // Any phase's subscribers (TracingChannel's own `hasSubscribers` needs Node 20.13): a subscriber
  // of `error` or `asyncEnd` alone is published to too.
  if (!traceable()) return fn();
  const context = message();
  return channel.start.runStores(context, () => {
    try {
      const result = fn();
      if (!isThenable<T>(result)) {
        context.result = result;
        return result;
      }
      return Promise.resolve(result).then(
        (value) => {
          context.result = value;
          channel.asyncStart.publish(context);
          channel.asyncEnd.publish(context);
          return value;
        },
        (error: unknown) => {
          context.error = error;
          channel.error.publish(context);
          channel.asyncStart.publish(context);
          channel.asyncEnd.publish(context);
          throw error;
        },
      );
    } catch (error) {
      context.error = error;
      channel.error.publish(context);
      throw error;
    } finally {
      channel.end.publish(context);
    }
  });
}

/** True when something traces cache operations (checked before building a message). */
export function tracing(): boolean {
  return traceable();
}
