import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { deferred, Deferred } from '../helpers/deferred';

@Injectable()
class StockService {
  calls = 0;
  gate?: Deferred;

  @Cached()
  async levels(warehouse: { id: string }): Promise<{ warehouse: string; items: string[] }> {
    this.calls++;
    if (this.gate) await this.gate.promise;
    return { warehouse: warehouse.id, items: ['a', 'b'] };
  }

  @Cached()
  async failing(id: string): Promise<string> {
    const call = ++this.calls;
    if (this.gate) await this.gate.promise;
    throw new Error(`stock ${id} unavailable (call ${call})`);
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [StockService] })
class AppModule {}

describe('single-flight of provider methods', () => {
  let app: INestApplicationContext;
  let stock: StockService;
  let cache: CacheService;

  beforeEach(async () => {
    ({ app } = await bootContext(AppModule));
    stock = app.get(StockService);
    cache = app.get(CacheService);
  });
  afterEach(() => app.close());

  const fifty = <T>(call: () => Promise<T>) => Array.from({ length: 50 }, call);

  it('runs once for 50 concurrent calls with equal arguments; each caller gets its own copy', async () => {
    const before = cache.stats();
    stock.gate = deferred();
    const pending = fifty(() => stock.levels({ id: 'w1' }));
    stock.gate.resolve();
    const results = await Promise.all(pending);
    expect(stock.calls).toBe(1);
    for (const result of results) expect(result).toEqual({ warehouse: 'w1', items: ['a', 'b'] });
    expect(new Set(results).size).toBe(50);
    results[0].items.push('mutated');
    results[1].items.push('mutated too');
    expect(results[2].items).toEqual(['a', 'b']);
    expect(await stock.levels({ id: 'w1' })).toEqual({ warehouse: 'w1', items: ['a', 'b'] });
    expect(cache.stats().coalesced - before.coalesced).toBe(49);
  });

  it('runs once per distinct argument', async () => {
    stock.gate = deferred();
    const pending = [
      stock.levels({ id: 'w1' }),
      stock.levels({ id: 'w2' }),
      stock.levels({ id: 'w1' }),
    ];
    stock.gate.resolve();
    const [w1, w2, again] = await Promise.all(pending);
    expect(stock.calls).toBe(2);
    expect([w1.warehouse, w2.warehouse, again.warehouse]).toEqual(['w1', 'w2', 'w1']);
  });

  it('shares a rejection with every concurrent caller, and does not cache it', async () => {
    const before = cache.stats();
    stock.gate = deferred();
    const pending = fifty(() =>
      stock.failing('s1').then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
    );
    stock.gate.resolve();
    const outcomes = await Promise.all(pending);
    expect(outcomes).toEqual(Array(50).fill('stock s1 unavailable (call 1)'));
    expect(stock.calls).toBe(1);
    expect(cache.stats().coalesced - before.coalesced).toBe(49);
    stock.gate = undefined;
    await expect(stock.failing('s1')).rejects.toThrow('stock s1 unavailable (call 2)');
    expect(stock.calls).toBe(2);
  });
});
