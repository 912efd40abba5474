import { InvalidationBus, MAX_OUTBOX } from '../../../lib/redis/invalidation.bus';
import { RedisBackend } from '../../../lib/redis/redis-backend.interface';

/** A backend whose publish fails while `down`, and which records what it published. */
function fakeBackend() {
  const published: { channel: string; message: Record<string, unknown> }[] = [];
  const backend = {
    down: false,
    ready: true,
    published,
    publish: jest.fn(async (channel: string, message: string) => {
      if (backend.down) throw new Error('down');
      published.push({ channel, message: JSON.parse(message) });
    }),
    subscriber: () => {
      throw new Error('no subscriber in this test');
    },
  };
  return backend;
}

const listener = { received: jest.fn(), resync: jest.fn() };
const tick = () => new Promise((resolve) => setImmediate(resolve));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('InvalidationBus publishing', () => {
  let bus: InvalidationBus | undefined;
  afterEach(async () => bus?.close(0));

  it('sends the changes of one tick as one message on the namespace channel', async () => {
    const backend = fakeBackend();
    bus = new InvalidationBus(backend as unknown as RedisBackend, listener, () => undefined);
    bus.publish('shop', { keys: ['shop:e:1'] });
    bus.publish('shop', { keys: ['shop:e:2', 'shop:e:1'] });
    bus.publish('blog', { prefix: 'blog:' });
    await tick();
    await tick();
    expect(backend.published).toEqual([
      { channel: 'shop:__bus', message: { i: bus.id, k: ['shop:e:1', 'shop:e:2'] } },
      { channel: 'blog:__bus', message: { i: bus.id, c: 'blog:' } },
    ]);
  });

  it('retries failed publishes until Redis takes them', async () => {
    const backend = fakeBackend();
    backend.down = true;
    bus = new InvalidationBus(backend as unknown as RedisBackend, listener, () => undefined);
    bus.publish('shop', { keys: ['shop:e:1'] });
    await wait(250);
    expect(backend.published).toEqual([]);
    expect(bus.backlog).toBe(1);
    backend.down = false;
    await wait(300);
    expect(backend.published.map((p) => p.message.k)).toEqual([['shop:e:1']]);
    expect(bus.backlog).toBe(0);
  });

  it('bounds the retry queue: past it, one "drop everything" message per namespace', async () => {
    const backend = fakeBackend();
    backend.down = true;
    bus = new InvalidationBus(backend as unknown as RedisBackend, listener, () => undefined);
    for (let i = 0; i <= MAX_OUTBOX; i++) {
      bus.publish('shop', { keys: [`shop:e:${i}`] });
      await tick();
    }
    expect(bus.backlog).toBe(1);
    backend.down = false;
    await wait(300);
    expect(backend.published.map((p) => p.message)).toEqual([{ i: bus.id, c: 'shop:' }]);
  });
});
