import type { ContextHandlers } from './context-handlers';

/** `@nestjs/graphql`'s field middleware metadata, read from the method when the schema is built. */
const FIELD_MIDDLEWARE = 'graphql:field_resolver_middleware';
const INSTALLED = Symbol('nestjs-cached.field-middleware');

interface MiddlewareContext {
  source: unknown;
  args: unknown;
  context: unknown;
  info: unknown;
}

/** The live `CacheModule`s (one per app) serving each resolver class, latest last. */
const live = new Map<Function, ContextHandlers[]>();

/**
 * Serves `cls`'s cached field resolvers from `handlers` until its app closes. Several apps in one
 * process each see their own cache: a call is matched to its app by its schema.
 */
export function serveFieldsOf(cls: Function, handlers: ContextHandlers): void {
  live.set(cls, [...(live.get(cls) ?? []), handlers]);
  handlers.whenDestroyed(() => {
    const rest = (live.get(cls) ?? []).filter((entry) => entry !== handlers);
    if (rest.length > 0) live.set(cls, rest);
    else live.delete(cls);
  });
}

/**
 * Adds the cache's field middleware to a `@ResolveField` / `@ResolveReference` method. Field
 * middleware is the one hook `@nestjs/graphql` runs on field resolvers whatever
 * `fieldResolverEnhancers` says, with the resolver's raw arguments. Must run before the GraphQL
 * module builds its schema (explorers call it from their constructor). Idempotent.
 */
export function installFieldMiddleware(cls: Function, handler: Function, reference: boolean): void {
  // An inherited method serves several resolver classes: one middleware, knowing them all.
  const marked = handler as Function & { [INSTALLED]?: Set<Function> };
  if (marked[INSTALLED]) {
    marked[INSTALLED].add(cls);
    return;
  }
  const classes = new Set<Function>([cls]);
  marked[INSTALLED] = classes;
  const existing: unknown[] = Reflect.getMetadata(FIELD_MIDDLEWARE, handler) ?? [];
  const middleware = (mw: MiddlewareContext, next: () => Promise<unknown>) => {
    // Called as the resolver was: a reference resolver's arguments arrive shifted (see
    // `graphqlCallOf`), so they are passed on as they came.
    const raw = [mw.source, mw.args, mw.context, mw.info];
    if (raw[3] === undefined) raw.pop();
    const found = pick(classes, reference && mw.info === undefined ? mw.context : mw.info);
    return found ? found.handlers.resolveField(found.cls, handler, raw, next) : next();
  };
  Reflect.defineMetadata(FIELD_MIDDLEWARE, [middleware, ...existing], handler);
}

function pick(
  classes: Set<Function>,
  info: unknown,
): { cls: Function; handlers: ContextHandlers } | undefined {
  const candidates: { cls: Function; handlers: ContextHandlers }[] = [];
  for (const cls of classes) {
    for (const handlers of live.get(cls) ?? []) candidates.push({ cls, handlers });
  }
  if (candidates.length <= 1) return candidates[0];
  const schema = (info as { schema?: unknown } | undefined)?.schema;
  return (
    candidates.find((entry) => entry.handlers.schema === schema) ??
    candidates[candidates.length - 1]
  );
}
