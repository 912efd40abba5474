import { Observable, Subscription } from 'rxjs';

/**
 * Serves one caller through the cache without buffering its handler's stream: `serve` is given
 * a `run` that subscribes to the handler and forwards every value to this caller as it comes
 * (a stream that never completes still flows), and resolves all values on completion for the
 * cache to store (one value) or refuse (several). Answers that did not come from this caller's
 * own run (a hit, a joined run, a stale value) are emitted when `serve` resolves.
 */
export function streamThroughCache(
  source: () => Observable<unknown>,
  serve: (run: () => Promise<unknown[]>) => Promise<unknown[]>,
): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    let own: unknown[] | undefined;
    let subscription: Subscription | undefined;
    let closed = false;
    const run = () =>
      new Promise<unknown[]>((resolve, reject) => {
        const values: unknown[] = [];
        own = values;
        subscription = source().subscribe({
          next: (value) => {
            values.push(value);
            subscriber.next(value);
            // A stream whose caller left is not cacheable: stop it rather than leak it.
            if (closed && values.length > 1) {
              subscription?.unsubscribe();
              resolve(values);
            }
          },
          error: reject,
          complete: () => resolve(values),
        });
      });
    serve(run).then(
      (values) => {
        if (values !== own) for (const value of values) subscriber.next(value);
        subscriber.complete();
      },
      (error) => subscriber.error(error),
    );
    return () => {
      closed = true;
      if (own !== undefined && own.length > 1) subscription?.unsubscribe();
    };
  });
}
