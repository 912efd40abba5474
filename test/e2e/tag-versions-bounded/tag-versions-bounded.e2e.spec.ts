import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import Keyv from 'keyv';
import { Cached, CacheModule, CacheService, MemoryStore } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';

@Injectable()
class ItemsService {
  calls = 0;

  /** Unknown ids resolve to `undefined` (not stored) or `null` (stored). */
  @Cached({ key: 'item:{0}', tags: ['item:{0}'], ttl: '1h' })
  async find(id: string): Promise<{ id: string } | null | undefined> {
    this.calls++;
    if (id.startsWith('null-')) return null;
    return id.startsWith('known-') ? { id } : undefined;
  }

  @Cached({ key: 'forever:{0}', tags: ['forever:{0}'], ttl: Infinity })
  async forever(id: string): Promise<string> {
    this.calls++;
    return `forever ${id} #${this.calls}`;
  }
}

/** A MemoryStore that records the ttl of each write. */
class RecordingStore extends MemoryStore {
  readonly ttls = new Map<string, number>();
  override set(key: string, value: string, ttlMs: number): void {
    this.ttls.set(key, ttlMs);
    super.set(key, value, ttlMs);
  }
}

async function boot(store: unknown) {
  @Module({ imports: [CacheModule.forRoot({ store })], providers: [ItemsService] })
  class AppModule {}
  const { app } = await bootContext(AppModule);
  return { app, items: app.get(ItemsService), cache: app.get(CacheService) };
}

describe('tag versions take no room until a tag is invalidated', () => {
  let app: INestApplicationContext;
  afterEach(() => app.close());

  it('300 reads of unknown ids on a templated tag leave no key in a Map-backed Keyv store', async () => {
    const map = new Map<string, unknown>();
    const booted = await boot(new Keyv({ store: map }));
    app = booted.app;
    for (let i = 0; i < 300; i++) await booted.items.find(`unknown-${i}`);
    expect(booted.items.calls).toBe(300);
    expect(map.size).toBe(0);
  });

  it('300 stored misses (null) leave their entries, plus a constant few keys', async () => {
    const map = new Map<string, unknown>();
    const booted = await boot(new Keyv({ store: map }));
    app = booted.app;
    for (let i = 0; i < 300; i++) await booted.items.find(`null-${i}`);
    const tagKeys = [...map.keys()].filter((key) => key.includes(':t:'));
    expect(tagKeys).toEqual([]);
    expect(map.size).toBeLessThanOrEqual(300 + 2);
    expect(await booted.items.find('null-7')).toBeNull();
    expect(booted.items.calls).toBe(300);
  });

  it('an entry computed before any invalidation is invalid after one, and the version expires', async () => {
    const store = new RecordingStore();
    const booted = await boot(store);
    app = booted.app;
    await booted.items.find('known-1');
    await booted.cache.invalidateTags('item:known-1');
    expect(await booted.items.find('known-1')).toEqual({ id: 'known-1' });
    expect(booted.items.calls).toBe(2);
    const ttl = store.ttls.get('cache:t:item:known-1')!;
    expect(ttl).toBeGreaterThanOrEqual(60 * 60 * 1000);
    expect(Number.isFinite(ttl)).toBe(true);
    // The entry stored after the invalidation is valid, and does not outlive its version.
    expect(await booted.items.find('known-1')).toEqual({ id: 'known-1' });
    expect(booted.items.calls).toBe(2);
    expect(store.ttls.get('cache:e:item:known-1')!).toBeLessThanOrEqual(ttl);
  });

  it('a tag of entries that never expire gets a version that never expires', async () => {
    const store = new RecordingStore();
    const booted = await boot(store);
    app = booted.app;
    await booted.items.forever('1');
    await booted.cache.invalidateTags('forever:1');
    expect(store.ttls.get('cache:t:forever:1')).toBe(Infinity);
    expect(await booted.items.forever('1')).toBe('forever 1 #2');
    expect(await booted.items.forever('1')).toBe('forever 1 #2');
  });

  it('a version outlives entries another process wrote with a longer ttl (shared store)', async () => {
    const map = new Map<string, unknown>();
    const keyv = new Keyv({ store: map });
    const writer = await boot(keyv);
    await writer.cache.set('report', 'old', { ttl: '30d', tags: ['reports'] });
    await writer.app.close();
    const booted = await boot(new Keyv({ store: map }));
    app = booted.app;
    await booted.cache.invalidateTags('reports');
    const version = map.get('keyv:cache:t:reports') as string;
    const { expires } = JSON.parse(version) as { expires?: number };
    expect(expires).toBeGreaterThanOrEqual(Date.now() + 30 * 24 * 3600 * 1000 - 60_000);
    expect(await booted.cache.get('report')).toBeUndefined();
  });

  it('a Map-backed Keyv store drops expired entries nobody reads again', async () => {
    const map = new Map<string, unknown>();
    const booted = await boot(new Keyv({ store: map }));
    app = booted.app;
    for (let i = 0; i < 300; i++) await booted.cache.set(`once:${i}`, i, { ttl: 20 });
    await new Promise((resolve) => setTimeout(resolve, 40));
    for (let i = 0; i < 300; i++) await booted.cache.set(`kept:${i}`, i, { ttl: '1h' });
    expect([...map.keys()].filter((key) => key.includes(':e:once:'))).toEqual([]);
    expect(await booted.cache.get('kept:0')).toBe(0);
  });

  it('an entry that never expires, computed across an invalidation by another process, never comes back', async () => {
    const map = new Map<string, unknown>();
    @Injectable()
    class Held {
      calls = 0;
      gate?: Promise<void>;
      @Cached({ key: 'held:{0}', tags: ['held:{0}'], ttl: Infinity })
      async get(id: string): Promise<string> {
        const call = ++this.calls;
        if (this.gate) await this.gate;
        return `held ${id} #${call}`;
      }
    }
    @Module({
      imports: [CacheModule.forRoot({ store: new Keyv({ store: map }) })],
      providers: [Held],
    })
    class WriterApp {}
    const writer = await bootContext(WriterApp);
    app = writer.app;
    const other = await boot(new Keyv({ store: map }));
    const held = writer.app.get(Held);
    let open!: () => void;
    held.gate = new Promise<void>((resolve) => (open = resolve));
    const pending = held.get('1');
    await new Promise((resolve) => setTimeout(resolve, 10));
    await other.cache.invalidateTags('held:1');
    open();
    expect(await pending).toBe('held 1 #1');
    held.gate = undefined;
    // The other process's version expires (it knew of no entry that never expires).
    map.delete('keyv:cache:t:held:1');
    expect(await held.get('1')).toBe('held 1 #2');
    await other.app.close();
  });

  it("an entry whose computation outlasted another process's invalidation by long never comes back", async () => {
    const map = new Map<string, unknown>();
    @Injectable()
    class Slow {
      calls = 0;
      gate?: Promise<void>;
      // 2^12 s: the version of an invalidation outlives such an entry by its margin only.
      @Cached({ key: 'slow:{0}', tags: ['slow:{0}'], ttl: '4096s' })
      async get(id: string): Promise<string> {
        const call = ++this.calls;
        if (this.gate) await this.gate;
        return `slow ${id} #${call}`;
      }
    }
    @Module({
      imports: [CacheModule.forRoot({ store: new Keyv({ store: map }) })],
      providers: [Slow],
    })
    class WriterApp {}
    const writer = await bootContext(WriterApp);
    app = writer.app;
    const other = await boot(new Keyv({ store: map }));
    const slow = writer.app.get(Slow);
    await slow.get('warm-up'); // this process has marked its lifetime already
    let open!: () => void;
    slow.gate = new Promise<void>((resolve) => (open = resolve));
    const pending = slow.get('1');
    await new Promise((resolve) => setTimeout(resolve, 10));
    await other.cache.invalidateTags('slow:1');
    // The computation ends 30 s after the invalidation: its entry would outlive the version.
    const now = Date.now.bind(Date);
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now() + 30_000);
    try {
      open();
      expect(await pending).toBe('slow 1 #2');
      slow.gate = undefined;
      map.delete('keyv:cache:t:slow:1'); // the version expires
      expect(await slow.get('1')).toBe('slow 1 #3');
    } finally {
      clock.mockRestore();
      await other.app.close();
    }
  });
});
