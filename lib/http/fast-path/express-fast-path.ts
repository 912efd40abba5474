import { MaybePromise } from '../../stores/cache-store.interface';

type Answer = (req: unknown, res: unknown) => MaybePromise<boolean>;

interface ExpressRoute {
  stack: { handle?: unknown; method?: string; constructor: new (...args: any[]) => any }[];
}

const installed = new WeakSet<object>();

/**
 * Puts `answer` in front of the handlers of the Express route `req` was routed to (`req.route`):
 * it runs after every middleware and after routing (with `req.params` set), before Nest's
 * handler and so before guards, interceptors and pipes. A request it does not answer goes on.
 */
export function installExpressFastPath(req: unknown, answer: Answer): void {
  const route = (req as { route?: ExpressRoute }).route;
  const first = route?.stack?.[0];
  if (route === undefined || first === undefined || installed.has(route)) return;
  installed.add(route);
  const Layer = first.constructor;
  const handle = (request: unknown, res: unknown, next: (error?: unknown) => void) => {
    let answered: MaybePromise<boolean>;
    try {
      answered = answer(request, res);
    } catch {
      answered = false;
    }
    if (answered === true) return;
    if (answered === false) return next();
    (answered as Promise<boolean>).then(
      (ok) => ok || next(),
      () => next(),
    );
  };
  const layer = new Layer('/', {}, handle);
  layer.method = 'get';
  route.stack.unshift(layer);
}
