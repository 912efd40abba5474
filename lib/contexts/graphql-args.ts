import { ExecutionContext } from '@nestjs/common';

/** The parts of a GraphQL `info` the cache reads (no import of `graphql`). */
export interface GraphqlInfoLike {
  fieldName: string;
  parentType: { name: string };
  returnType?: unknown;
  operation?: { operation?: string };
  fieldNodes?: readonly unknown[];
  fragments?: Record<string, unknown>;
  variableValues?: Record<string, unknown>;
  schema?: unknown;
}

/** One resolver call, whatever its shape: a field `(parent, args, context, info)` or a reference. */
export interface GraphqlCall {
  parent: unknown;
  args: Record<string, unknown>;
  context: Record<string, unknown> | undefined;
  info: GraphqlInfoLike | undefined;
  /** `@ResolveReference`: `parent` is the representation (`{ __typename, …key fields }`). */
  reference: boolean;
}

function isInfo(value: unknown): value is GraphqlInfoLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as GraphqlInfoLike).fieldName === 'string' &&
    typeof (value as GraphqlInfoLike).parentType === 'object'
  );
}

/**
 * Reads a resolver's raw arguments. Field resolvers get `(parent, args, context, info)`; reference
 * resolvers (`__resolveReference`) get `(representation, context, info)` under Apollo and
 * `(representation, {}, context, info)` under Mercurius.
 */
export function graphqlCallOf(raw: readonly unknown[], reference?: boolean): GraphqlCall {
  const fourArgs = isInfo(raw[3]);
  const asReference = reference ?? (!fourArgs && isInfo(raw[2]));
  if (asReference && !fourArgs) {
    return {
      parent: raw[0],
      args: {},
      context: raw[1] as GraphqlCall['context'],
      info: isInfo(raw[2]) ? raw[2] : undefined,
      reference: true,
    };
  }
  return {
    parent: raw[0],
    args: asReference ? {} : ((raw[1] ?? {}) as Record<string, unknown>),
    context: raw[2] as GraphqlCall['context'],
    info: fourArgs ? (raw[3] as GraphqlInfoLike) : undefined,
    reference: asReference,
  };
}

/** The HTTP request behind a GraphQL operation (`context.req`), if any. */
export function graphqlRequest(
  call: GraphqlCall,
): { headers?: Record<string, unknown>; user?: any } | undefined {
  const req = call.context?.req;
  return typeof req === 'object' && req !== null ? (req as any) : undefined;
}

/** The GraphQL call of an `ExecutionContext` whose type is `'graphql'`. */
export function graphqlCallOfContext(ctx: ExecutionContext): GraphqlCall {
  return graphqlCallOf(ctx.getArgs());
}
