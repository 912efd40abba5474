import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { Cached, CacheEvict, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { deferred, Deferred } from '../helpers/deferred';

@Injectable()
class ReportsService {
  calls = 0;
  version = 1;
  gate?: Deferred;
  started?: Deferred;

  @Cached({ key: 'report:{0}', tags: ['reports'] })
  async report(id: string): Promise<{ id: string; version: number }> {
    this.calls++;
    const version = this.version;
    this.started?.resolve();
    if (this.gate) await this.gate.promise;
    return { id, version };
  }

  @CacheEvict({ keys: ['report:{0}'] })
  async publish(_id: string): Promise<void> {
    this.version++;
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [ReportsService] })
class AppModule {}

describe('a slow method whose entry is invalidated while it runs', () => {
  let app: INestApplicationContext;
  let reports: ReportsService;
  let cache: CacheService;

  beforeEach(async () => {
    ({ app } = await bootContext(AppModule));
    reports = app.get(ReportsService);
    cache = app.get(CacheService);
  });
  afterEach(() => app.close());

  /** Starts a held call of report('1'), runs `invalidate` while it runs, then lets it finish. */
  async function raceWith(invalidate: () => Promise<unknown>) {
    reports.gate = deferred();
    reports.started = deferred();
    const pending = reports.report('1');
    await reports.started.promise;
    await invalidate();
    reports.version = 2;
    reports.gate.resolve();
    const result = await pending;
    reports.gate = undefined;
    reports.started = undefined;
    return result;
  }

  it.each([
    ['a tag is invalidated', (c: CacheService) => c.invalidateTags('reports')],
    [
      'its implicit tag is invalidated',
      (c: CacheService) => c.invalidateTags('ReportsService.report'),
    ],
    ['its key is deleted', (c: CacheService) => c.delete('report:1')],
    ['the namespace is cleared', (c: CacheService) => c.clear()],
  ])('returns its result to its caller but never serves it when %s', async (_, invalidate) => {
    expect(await raceWith(() => invalidate(cache))).toEqual({ id: '1', version: 1 });
    expect(await cache.has('report:1')).toBe(false);
    expect(await reports.report('1')).toEqual({ id: '1', version: 2 });
    expect(await reports.report('1')).toEqual({ id: '1', version: 2 });
    expect(reports.calls).toBe(2);
  });

  it('does the same when a @CacheEvict method evicts the key meanwhile', async () => {
    expect(await raceWith(() => reports.publish('1'))).toEqual({ id: '1', version: 1 });
    expect((await reports.report('1')).version).toBeGreaterThan(1);
    expect(reports.calls).toBe(2);
  });

  it('does not let a caller that arrives after the invalidation join the doomed computation', async () => {
    reports.gate = deferred();
    reports.started = deferred();
    const first = reports.report('1');
    await reports.started.promise;
    await cache.invalidateTags('reports');
    reports.version = 2;
    reports.started = undefined;
    const second = reports.report('1');
    reports.gate.resolve();
    expect(await first).toEqual({ id: '1', version: 1 });
    expect(await second).toEqual({ id: '1', version: 2 });
    expect(reports.calls).toBe(2);
  });
});
