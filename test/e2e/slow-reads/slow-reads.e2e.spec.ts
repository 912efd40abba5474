import { Controller, Get, Injectable, Module, Param } from '@nestjs/common';
import Keyv from 'keyv';
import { Cached, CacheModule } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { deferred } from '../helpers/deferred';
import { bootApp, PLATFORMS } from '../helpers/platforms';

/**
 * A Keyv adapter whose reads of entries are slow, as a remote store under load: a read answers what
 * the store held when it was issued, `delayMs` later (tag versions answer at once). A read issued just before another request's write
 * landed therefore misses, although the value is stored by the time its answer arrives.
 */
class SlowReadAdapter extends Map<string, unknown> {
  delayMs = 200;
  /** Called when an entry's read is issued. */
  onEntryRead?: () => void;
  override get(key: string): unknown {
    const held = super.get(key);
    if (!key.includes(':e:')) return held;
    this.onEntryRead?.();
    return new Promise((resolve) => setTimeout(resolve, this.delayMs, held));
  }
}

function slowReadModule(
  adapter: SlowReadAdapter,
  rest: { controllers?: unknown[]; providers?: unknown[] },
) {
  @Module({
    imports: [CacheModule.forRoot({ store: new Keyv({ store: adapter }), storeTimeout: 5_000 })],
    controllers: rest.controllers as never,
    providers: rest.providers as never,
  })
  class SlowReadApp {}
  return SlowReadApp;
}

describe.each(PLATFORMS)(
  'behind HTTP, on %s: a read that missed while another request’s value landed',
  (platform) => {
    @Controller('pages')
    class PagesController {
      calls = 0;
      started = deferred();
      gate = deferred();
      @Get(':id')
      @Cached({ key: 'page:{params.id}' })
      async find(@Param('id') id: string) {
        const call = ++this.calls;
        this.started.resolve();
        await this.gate.promise;
        return { id, call };
      }
    }

    // Request 2's read is issued while request 1's handler runs; request 1 then ends and its value
    // is stored before request 2's read answers (a miss). Request 2 must read again and serve the
    // stored value, not run the handler a second time.
    it('reads again instead of running the handler twice', async () => {
      const adapter = new SlowReadAdapter();
      const { app, http } = await bootApp(
        platform,
        slowReadModule(adapter, { controllers: [PagesController] }),
      );
      const pages = app.get(PagesController);
      try {
        const first = http()
          .get('/pages/1')
          .then((res) => res);
        await pages.started.promise;
        adapter.onEntryRead = () => pages.gate.resolve();
        const second = await http().get('/pages/1').expect(200);
        expect((await first).body).toEqual({ id: '1', call: 1 });
        expect(second.body).toEqual({ id: '1', call: 1 });
        expect(second.headers['x-cache']).toBe('HIT');
        expect(pages.calls).toBe(1);
      } finally {
        await app.close();
      }
    });
  },
);

describe('a provider method whose read missed while another call’s value landed', () => {
  @Injectable()
  class ReportsService {
    calls = 0;
    started = deferred();
    gate = deferred();
    @Cached({ key: 'report:{0}' })
    async report(id: string): Promise<{ id: string; call: number }> {
      const call = ++this.calls;
      this.started.resolve();
      await this.gate.promise;
      return { id, call };
    }
  }

  it('reads again instead of computing twice; another key still computes', async () => {
    const adapter = new SlowReadAdapter();
    const { app } = await bootContext(slowReadModule(adapter, { providers: [ReportsService] }));
    try {
      const reports = app.get(ReportsService);
      const first = reports.report('1');
      await reports.started.promise;
      adapter.onEntryRead = () => reports.gate.resolve();
      const second = reports.report('1');
      expect(await first).toEqual({ id: '1', call: 1 });
      expect(await second).toEqual({ id: '1', call: 1 });
      expect(await reports.report('2')).toEqual({ id: '2', call: 2 });
      expect(reports.calls).toBe(2);
    } finally {
      await app.close();
    }
  });
});
