import { Module } from '@nestjs/common';
import { CacheModule, CacheService, memoryStore, StoreLock } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';

/** A custom store's lock that misbehaves never costs a caller more than storeTimeout or `wait`. */

const never = () => new Promise<never>(() => undefined);

async function cacheWith(lock: StoreLock) {
  const store = Object.assign(memoryStore(), { lock });
  @Module({ imports: [CacheModule.forRoot({ store, storeTimeout: 100, distributedLock: true })] })
  class AppModule {}
  const { app } = await bootContext(AppModule);
  return { app, cache: app.get(CacheService) };
}

describe('distributedLock over a custom StoreLock', () => {
  it.each<[string, StoreLock]>([
    ['hangs', { acquire: never, extend: never, release: never, changed: never }],
    [
      'rejects',
      {
        acquire: () => Promise.reject(new Error('down')),
        extend: () => Promise.reject(new Error('down')),
        release: () => Promise.reject(new Error('down')),
        changed: () => Promise.reject(new Error('down')),
      },
    ],
  ])(
    'a lock that %s: the factory runs (once per process) and the value is stored',
    async (_n, lock) => {
      const { app, cache } = await cacheWith(lock);
      let runs = 0;
      const factory = async () => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return 'v';
      };
      const started = Date.now();
      const values = await Promise.all(Array.from({ length: 10 }, () => cache.wrap('k', factory)));
      expect(values).toEqual(values.map(() => 'v'));
      expect(runs).toBe(1);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await cache.get('k')).toBe('v');
      expect(cache.stats().errors).toBeGreaterThan(0);
      await app.close();
    },
  );

  it('a lock held forever by someone else: callers wait `wait`, then compute themselves', async () => {
    const lock: StoreLock = {
      acquire: async () => null,
      extend: async () => false,
      release: async () => undefined,
      changed: (_key, ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
    const { app, cache } = await cacheWith(lock);
    let runs = 0;
    const started = Date.now();
    const value = await cache.wrap('k', async () => ++runs, {
      distributedLock: { lease: '1s', wait: '300ms' },
    });
    expect(value).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250); // it did wait
    expect(Date.now() - started).toBeLessThan(5_000);
    await app.close();
  });
});
