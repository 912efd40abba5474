import { ExecutionContext } from '@nestjs/common';
import { rpcFacts } from '../../../lib/contexts/context-call';
import { buildContextPlan } from '../../../lib/contexts/context-plan';
import { resolveOptions } from '../../../lib/options/resolve-options';

const plan = buildContextPlan('rpc', 'Orders', 'find', undefined, undefined, resolveOptions());

function rpcContext(data: unknown, context: unknown): ExecutionContext {
  return {
    getType: () => 'rpc',
    switchToRpc: () => ({ getData: () => data, getContext: () => context }),
  } as unknown as ExecutionContext;
}

describe('rpcFacts', () => {
  it('keys by the data whatever its key order, never by a user in the payload', () => {
    const a = rpcFacts(plan, rpcContext({ id: 1, user: { id: 'ann' } }, {}), 'find');
    const b = rpcFacts(plan, rpcContext({ user: { id: 'ann' }, id: 1 }, {}), 'find');
    expect(a.defaultKey()).toBe(b.defaultKey());
    expect(a.defaultKey().startsWith('rpc:Orders.find:')).toBe(true);
    expect(a.identified).toBe(false);
  });

  it.each([
    [
      'gRPC metadata',
      { getMap: () => ({}), get: (k: string) => (k === 'authorization' ? ['t'] : []) },
    ],
    ['NATS headers', { getHeaders: () => new Map([['authorization', 't']]) }],
    [
      'RabbitMQ headers',
      { getMessage: () => ({ properties: { headers: { Authorization: 't' } } }) },
    ],
    ['Kafka headers', { getMessage: () => ({ headers: { authorization: Buffer.from('t') } }) }],
  ])('treats a message with an authorization header in its %s as identified', (_name, context) => {
    expect(rpcFacts(plan, rpcContext({}, context), 'find').identified).toBe(true);
  });

  it('is not identified by transports without headers or with others', () => {
    for (const context of [
      undefined,
      {},
      { getHeaders: () => ({ trace: '1' }) },
      { getPattern: () => 'x' },
    ]) {
      expect(rpcFacts(plan, rpcContext({}, context), 'find').identified).toBe(false);
    }
    const grpc = { getMap: () => ({}), get: () => [] };
    expect(rpcFacts(plan, rpcContext({}, grpc), 'find').identified).toBe(false);
  });
});
