import diagnostics from 'node:diagnostics_channel';
import {
  CacheOperationMessage,
  OPERATION_CHANNEL,
  traced,
} from '../../../lib/core/operation-tracing';

const message = (): CacheOperationMessage => ({ operation: 'lookup', namespace: 'ns', key: 'k' });

describe('traced (the nestjs-cached:operation tracing channel)', () => {
  const channel = diagnostics.tracingChannel<CacheOperationMessage>(OPERATION_CHANNEL);
  const seen: string[] = [];
  const on = (phase: string) => (m: CacheOperationMessage) =>
    seen.push(`${phase}${'result' in m ? `=${String(m.result)}` : ''}${m.error ? '!' : ''}`);
  const handlers = {
    start: on('start'),
    end: on('end'),
    asyncStart: on('asyncStart'),
    asyncEnd: on('asyncEnd'),
    error: on('error'),
  };
  beforeEach(() => (seen.length = 0));
  afterEach(() => channel.unsubscribe(handlers));

  it('builds no message and publishes nothing without subscribers', () => {
    const build = jest.fn(message);
    expect(traced(build, () => 7)).toBe(7);
    expect(build).not.toHaveBeenCalled();
  });

  it('publishes start and end around a synchronous answer, which it returns as it is', () => {
    channel.subscribe(handlers);
    expect(traced(message, () => 7)).toBe(7);
    expect(seen).toEqual(['start', 'end=7']);
  });

  it('publishes end, then asyncStart and asyncEnd when a promise settles', async () => {
    channel.subscribe(handlers);
    await expect(traced(message, () => Promise.resolve(8))).resolves.toBe(8);
    expect(seen).toEqual(['start', 'end', 'asyncStart=8', 'asyncEnd=8']);
  });

  it('publishes error for a throw and for a rejection, and passes them on', async () => {
    channel.subscribe(handlers);
    expect(() =>
      traced(message, () => {
        throw new Error('sync');
      }),
    ).toThrow('sync');
    await expect(traced(message, () => Promise.reject(new Error('async')))).rejects.toThrow(
      'async',
    );
    expect(seen).toEqual([
      'start',
      'error!',
      'end!',
      'start',
      'end',
      'error!',
      'asyncStart!',
      'asyncEnd!',
    ]);
  });
});
