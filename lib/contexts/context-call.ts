import { ExecutionContext } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { isIdentified } from '../http/request-identity';
import { HttpRequestLike } from '../keys/http-key';
import { stableStringify } from '../keys/stable-stringify';
import { ContextPlan } from './context-plan';
import { GraphqlCall, graphqlCallOf, graphqlRequest } from './graphql-args';
import { selectionText } from './graphql-selection';
import { typenamesFor } from './graphql-typename';

const INLINE_LIMIT = 100;

/** What one call of a non-HTTP handler means for the cache. */
export interface CallFacts {
  /** Why this call is not cached at all: a mutation/subscription operation, a parent without id. */
  skip?: 'operation' | 'no-parent-id';
  /** It carries an identity (Authorization, a user): shared entries are not for it. */
  identified: boolean;
  /** What key templates read: `{args.x}`, `{parent.x}`, `{data.x}`, `{pattern}`, `{user.x}`. */
  root: Record<string, unknown>;
  /** The default key; throws a `TypeError` for arguments that cannot be hashed. */
  defaultKey(): string;
  /** The implicit tag of this call, when the plan's is not fixed (GraphQL: `Type.field`). */
  source?: string;
  /** Turns a result into what is stored (GraphQL abstract types gain `__typename`). */
  storable?: (value: unknown) => Promise<unknown>;
}

/** `prefix:` + a stable text of `value`, or a SHA-256 of it when long (a hash never starts with `[`). */
function keyOf(prefix: string, value: unknown): string {
  const text = stableStringify([value]);
  if (text.length <= INLINE_LIMIT) return `${prefix}:${text}`;
  return `${prefix}:${createHash('sha256').update(text).digest('base64url')}`;
}

/**
 * GraphQL: `Type.field:` + the coerced arguments (so aliases, list positions and literal versus
 * variable arguments share an entry), plus the parent's `id ?? _id` for non-root fields, plus the
 * sub-selection with `selection: true`. A reference resolver is keyed by its representation.
 */
export function graphqlFacts(
  plan: ContextPlan,
  raw: readonly unknown[],
  identityCookies: readonly string[],
): CallFacts & { call: GraphqlCall } {
  const call = graphqlCallOf(raw, plan.role === 'reference');
  const req = graphqlRequest(call);
  const parent = call.parent as Record<string, unknown> | null | undefined;
  const operation = call.info?.operation?.operation;
  const type = call.reference
    ? String(parent?.__typename ?? call.info?.parentType.name)
    : (call.info?.parentType.name ?? 'Query');
  const field = call.reference ? '__resolveReference' : (call.info?.fieldName ?? 'field');
  plan.source ??= `${type}.${field}`;
  const parentId = idText(parent?.id ?? parent?._id);
  let skip: CallFacts['skip'];
  if (operation !== undefined && operation !== 'query') skip = 'operation';
  else if (plan.role === 'field' && parentId === undefined && plan.cached?.key === undefined) {
    skip = 'no-parent-id';
  }
  return {
    call,
    skip,
    source: `${type}.${field}`,
    storable: typenamesFor(call),
    identified: req?.headers !== undefined && isIdentified(req as HttpRequestLike, identityCookies),
    root: { args: call.reference ? parent : call.args, parent, user: req?.user },
    defaultKey() {
      const prefix = `${type}.${field}`;
      if (call.reference) return keyOf(prefix, parent);
      const parts: unknown[] = [{ ...call.args }];
      if (plan.role === 'field') parts.push(parentId);
      if (plan.cached?.selection && call.info) parts.push(selectionText(call.info));
      return keyOf(prefix, parts);
    },
  };
}

/**
 * RPC: `rpc:Class.handler:` + the message data. No user: a payload is never an identity. A
 * message whose transport carries an `authorization` header (gRPC metadata, NATS, RabbitMQ or
 * Kafka headers) is identified: its answer may be someone's own, so shared entries are not for it.
 */
export function rpcFacts(plan: ContextPlan, ctx: ExecutionContext, pattern: unknown): CallFacts {
  const rpc = ctx.switchToRpc();
  const data = rpc.getData();
  return {
    identified: carriesAuthorization(rpc.getContext()),
    root: { data, pattern, user: undefined },
    defaultKey: () => keyOf(`rpc:${plan.source}`, data),
  };
}

/**
 * WebSocket: `ws:Class.handler:` + the message data, never the socket. Identified by the
 * handshake's `authorization` header or `client.data.user`.
 */
export function wsFacts(plan: ContextPlan, ctx: ExecutionContext, pattern: unknown): CallFacts {
  const ws = ctx.switchToWs();
  const client = ws.getClient<any>();
  const data = ws.getData();
  const user = client?.data?.user;
  const authorization = client?.handshake?.headers?.authorization;
  return {
    identified: authorization !== undefined || Boolean(user),
    root: { data, pattern, user },
    defaultKey: () => keyOf(`ws:${plan.source}`, data),
  };
}

/** A parent id as a key part; an ObjectId-like object is keyed by its hex text. */
function idText(id: unknown): unknown {
  const hex = (id as { toHexString?: () => string } | null | undefined)?.toHexString;
  return typeof hex === 'function' ? hex.call(id) : id;
}

/** Whether a transport context carries an `authorization` header, whatever the transport. */
function carriesAuthorization(context: any): boolean {
  try {
    if (context === null || typeof context !== 'object') return false;
    // gRPC: the context is the call's Metadata.
    if (typeof context.get === 'function' && typeof context.getMap === 'function') {
      return context.get('authorization').length > 0;
    }
    const headers =
      (typeof context.getHeaders === 'function' ? context.getHeaders() : undefined) ??
      (typeof context.getMessage === 'function'
        ? (context.getMessage()?.properties?.headers ?? context.getMessage()?.headers)
        : undefined);
    if (headers === null || typeof headers !== 'object') return false;
    if (typeof headers.get === 'function') return Boolean(headers.get('authorization'));
    return Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  } catch {
    return false;
  }
}
