import { MaybePromise } from '../../stores/cache-store.interface';

type RouteAnswer = ((reply: unknown) => MaybePromise<boolean>) | undefined;

interface FastifyLike {
  addHook(name: 'preHandler', hook: (...args: any[]) => void): unknown;
  decorateReply?: unknown;
}

/** Per Fastify instance, the route finders of every cache module that uses it. */
const finders = new WeakMap<object, ((request: unknown) => RouteAnswer)[]>();

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
  const known = finders.get(fastify);
  if (known !== undefined) {
    if (!known.includes(routeOf)) known.push(routeOf);
    return;
  }
  const list = [routeOf];
  try {
    fastify.addHook('preHandler', (request: unknown, reply: unknown, done: () => void) => {
      let answer: RouteAnswer;
      for (let i = 0; i < list.length && answer === undefined; i++) answer = list[i](request);
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
    finders.set(fastify, list);
  } catch {
    // Started already: hooks cannot be added after `ready`.
  }
}
