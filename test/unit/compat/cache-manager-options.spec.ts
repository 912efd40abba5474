import { Logger } from '@nestjs/common';
import Keyv from 'keyv';
import { MemoryStore } from 'nestjs-cached';
import { fromCacheManagerOptions } from '../../../lib/compat/cache-manager-options';

describe('CacheModule.register options, mapped onto forRoot', () => {
  it('keeps ttl in ms, and ttl 0 means no expiry', () => {
    expect(fromCacheManagerOptions({ ttl: 5_000 }).ttl).toBe(5_000);
    expect(fromCacheManagerOptions({ ttl: 0 }).ttl).toBe(Infinity);
    expect(fromCacheManagerOptions({}).ttl).toBeUndefined();
  });

  it('takes store or stores; of a list, the last (shared) one, with one warning', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const memory = new Keyv();
    const shared = new Keyv();
    expect(fromCacheManagerOptions({ stores: shared }).store).toBe(shared);
    expect(fromCacheManagerOptions({ store: shared }).store).toBe(shared);
    expect(warn).not.toHaveBeenCalled();
    expect(fromCacheManagerOptions({ stores: [memory, shared] }).store).toBe(shared);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/1 of the stores were ignored.*redisStore/);
    warn.mockRestore();
  });

  it('maps max onto a bounded memory store, and drops cache-manager-only options', () => {
    const mapped = fromCacheManagerOptions({
      max: 10,
      refreshThreshold: 1_000,
      nonBlocking: true,
      cacheId: 'x',
      isGlobal: true,
      namespace: 'shop',
    });
    expect(mapped.store).toBeInstanceOf(MemoryStore);
    expect(mapped).toEqual({ store: mapped.store, namespace: 'shop' });
  });

  it('passes nestjs-cached options through, so forRoot validates them', () => {
    expect(fromCacheManagerOptions({ staleWhileRevalidate: '1m' })).toEqual({
      staleWhileRevalidate: '1m',
    });
    expect(fromCacheManagerOptions({ host: 'localhost' } as never)).toEqual({ host: 'localhost' });
  });
});
