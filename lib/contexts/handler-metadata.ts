import { ContextPlan, HandlerKind, ResolverRole } from './context-plan';

/** Nest metadata keys read here, as strings: importing `nestjs-cached` never loads those packages. */
const GRAPHQL_RESOLVER_TYPE = 'graphql:resolver_type';
const GRAPHQL_RESOLVER_NAME = 'graphql:resolver_name';
const GRAPHQL_PROPERTY = 'graphql:resolve_property';
const GRAPHQL_REFERENCE = 'graphql:resolve_reference';
const RPC_PATTERN = 'microservices:pattern';
const RPC_HANDLER_TYPE = 'microservices:handler_type';
const RPC_EVENT = 2;
const WS_MESSAGE = 'message';

/** What a handler method is, read from the metadata its Nest decorators wrote. */
export interface HandlerFacts {
  kind: HandlerKind;
  role?: ResolverRole;
  /** GraphQL root operation type (`Query`, `Mutation`, `Subscription`), for root fields. */
  operation?: string;
  /** A message handler that answers nothing (`@EventPattern`). */
  event?: boolean;
  /** The GraphQL source (`Type.field`) when the metadata names it. */
  source?: string;
  pattern?: unknown;
}

const ROOTS = ['Query', 'Mutation', 'Subscription'];

/** `undefined` for an HTTP route or a plain provider method. */
export function handlerFacts(cls: Function, handler: Function): HandlerFacts | undefined {
  const read = (key: string) => Reflect.getMetadata(key, handler);
  if (read(GRAPHQL_REFERENCE)) {
    return { kind: 'graphql', role: 'reference', source: typeName(cls, '__resolveReference') };
  }
  if (read(GRAPHQL_PROPERTY)) {
    const name = read(GRAPHQL_RESOLVER_NAME) ?? handler.name;
    return { kind: 'graphql', role: 'field', source: typeName(cls, name) };
  }
  const type = read(GRAPHQL_RESOLVER_TYPE);
  if (typeof type === 'string' && ROOTS.includes(type)) {
    const name = read(GRAPHQL_RESOLVER_NAME) ?? handler.name;
    return { kind: 'graphql', role: 'root', operation: type, source: `${type}.${name}` };
  }
  const pattern = read(RPC_PATTERN);
  if (pattern !== undefined) {
    return { kind: 'rpc', event: read(RPC_HANDLER_TYPE) === RPC_EVENT, pattern: first(pattern) };
  }
  const message = read(WS_MESSAGE);
  if (message !== undefined) return { kind: 'ws', pattern: message };
  return undefined;
}

/** The object type a resolver class resolves fields of, once `@nestjs/graphql` named it. */
function typeName(cls: Function, field: string): string | undefined {
  const type = Reflect.getMetadata(GRAPHQL_RESOLVER_TYPE, cls);
  return typeof type === 'string' ? `${type}.${field}` : undefined;
}

function first(pattern: unknown): unknown {
  return Array.isArray(pattern) && pattern.length === 1 ? pattern[0] : pattern;
}

/** True for a handler whose result is never a reusable answer. */
export function refusesCaching(facts: HandlerFacts): string | undefined {
  if (facts.operation === 'Mutation') return 'a GraphQL @Mutation';
  if (facts.operation === 'Subscription') return 'a GraphQL @Subscription';
  if (facts.event) return 'an @EventPattern handler';
  return undefined;
}

export type { ContextPlan };
