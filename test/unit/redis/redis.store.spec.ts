import { ConsoleLogger, Logger } from '@nestjs/common';
import { RedisStore } from '../../../lib/redis/redis.store';
import { MemoryStore } from '../../../lib/stores/memory.store';
import { FakeBackend } from './fake-backend';

beforeAll(() => Logger.overrideLogger(false));
afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

const settings = { commandTimeoutMs: 100, breakerThreshold: 3, breakerCooldownMs: 50 };
const flush = () => new Promise((resolve) => setImmediate(resolve));

async function liveStore(backend = new FakeBackend()) {
  const store = new RedisStore(backend, new MemoryStore({ maxEntries: 100 }), settings);
  store.attach('ns', { storeTimeout: 100 });
  await flush();
  expect(store.busLive('ns')).toBe(true);
  return { store, backend };
}

describe('RedisStore L1 (against a fake Redis)', () => {
  it('serves L1 hits synchronously, with no Redis call', async () => {
    const { store, backend } = await liveStore();
    await store.set('ns:e:k', 'v', 60_000);
    backend.mgets = 0;
    expect(store.get('ns:e:k')).toBe('v'); // not a promise
    expect(backend.mgets).toBe(0);
  });

  it('keeps nothing in L1 longer than a minute', async () => {
    const { store } = await liveStore();
    const l1Set = jest.spyOn(MemoryStore.prototype, 'set');
    try {
      await store.set('ns:e:k', 'v', 3_600_000);
      await store.set('ns:t:tag', 'v1', Infinity);
      expect(l1Set.mock.calls.map((call) => call[2])).toEqual([60_000, 60_000]);
    } finally {
      l1Set.mockRestore();
    }
  });

  it('does not read L1 while the bus is down, unless Redis fails too', async () => {
    const { store, backend } = await liveStore();
    await store.set('ns:e:k', 'v1', 60_000);
    await store.set('ns:e:kept', 'kept', 60_000);
    backend.subscriberClient.isReady = false; // the subscriber lost its connection
    backend.data.set('ns:e:{k}', 'v2'); // a change this instance did not hear of
    expect(await store.get('ns:e:k')).toBe('v2'); // from Redis, not L1
    backend.ready = false; // now Redis fails too: L1 is all there is
    expect(store.get('ns:e:kept')).toBe('kept');
    // 'v1' was contradicted by Redis while the bus was down: dropped, so not served.
    await expect(Promise.resolve(store.get('ns:e:k'))).rejects.toThrow('not connected');
  });

  it('never keeps a value read from Redis when its key changed during the read', async () => {
    const { store, backend } = await liveStore();
    backend.data.set('ns:e:{k}', 'old');
    const reading = store.get('ns:e:k');
    // Another instance deletes it while the reply is on its way.
    (store as unknown as { received(ns: string, m: object): void }).received('ns', {
      i: 'other',
      k: ['ns:e:k'],
    });
    backend.data.delete('ns:e:{k}');
    expect(await reading).toBe('old'); // the read itself is as old as it started
    expect(await store.get('ns:e:k')).toBeUndefined(); // but L1 did not keep it
  });

  it('flushes L1 when the subscriber comes back', async () => {
    const { store, backend } = await liveStore();
    await store.set('ns:e:k', 'v', 60_000);
    expect(store.l1Size).toBe(1);
    backend.subscriberClient.isReady = false;
    backend.subscriberClient.isReady = true;
    backend.subscriberClient.emit('ready');
    expect(store.l1Size).toBe(0);
  });

  it('opens the circuit after consecutive failures and stops calling Redis', async () => {
    const { store, backend } = await liveStore();
    backend.ready = false;
    for (let i = 0; i < 3; i++) await expect(store.get(`ns:e:${i}`)).rejects.toThrow();
    expect(store.circuit).toBe('open');
    backend.ready = true;
    await expect(store.get('ns:e:x')).rejects.toThrow('circuit open');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await store.get('ns:e:x')).toBeUndefined(); // the probe
    expect(store.circuit).toBe('closed');
  });
});
