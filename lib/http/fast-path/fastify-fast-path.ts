import { MaybePromise } from '../../stores/cache-store.interface';

type RouteAnswer = ((reply: unknown) => MaybePromise<boolean>) | undefined;

interface FastifyLike {
  addHook(name: 'preHandler', hook: (...args: any[]) => void): unknown;
  decorateReply?: unknown;
}

const hooked = new WeakSet<object>();

/**
 * Adds, once per Fastify instance, a `preHandler` hook: it runs after the app's middleware,
 * `onRequest` / `preParsing` / `preValidation` hooks and routing, before Nest's handler (guards,
 * interceptors, pipes). `routeOf` says whether the request's route is on the fast path; a hit is
 * sent from the hook, anything else goes on. An instance already started is left alone (its
 * routes keep the standard path).
 */
export function hookFastifyFastPath(
  instance: unknown,
  routeOf: (request: unknown) => RouteAnswer,
): void {
  const fastify = instance as FastifyLike | undefined;
  if (typeof fastify?.addHook !== 'function' || typeof fastify.decorateReply !== 'function') return;
  if (hooked.has(fastify)) return;
  try {
    fastify.addHook('preHandler', (request: unknown, reply: unknown, done: () => void) => {
      const answer = routeOf(request);
      if (answer === undefined) return done();
      let answered: MaybePromise<boolean>;
      try {
        answered = answer(reply);
      } catch {
        answered = false;
      }
      if (answered === true) return;
      if (answered === false) return done();
      (answered as Promise<boolean>).then(
        (ok) => ok || done(),
        () => done(),
      );
    });
    hooked.add(fastify);
  } catch {
    // Started already: hooks cannot be added after `ready`.
  }
}
