import { Controller, Get, Header, Module, Param, Res } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

const { calls, count, reset } = counters();
const LAST_MODIFIED = 'Tue, 01 Dec 2026 10:00:00 GMT';
type Reply = { status(code: number): unknown; code?(code: number): unknown };

@Controller('cc')
class ColdConditionalController {
  @Get('lm/:id')
  @Cached()
  @Header('Last-Modified', LAST_MODIFIED)
  lastModified(@Param('id') id: string) {
    count(`lm:${id}`);
    return { id, body: 'full' };
  }

  @Get('gone/:id')
  @Cached({ lastModified: true })
  gone(@Param('id') id: string, @Res({ passthrough: true }) res: Reply) {
    count(`gone:${id}`);
    if (res.code) res.code(404);
    else res.status(404);
    return { id, missing: true };
  }
}

@Module({
  imports: [CacheModule.forRoot({ ttl: '1m', statuses: [200, 404] })],
  controllers: [ColdConditionalController],
})
class ColdConditionalModule {}

describe.each(PLATFORMS)(
  'hostile: conditional requests on cold keys on %s',
  (platform: Platform) => {
    let ctx: SafeApp;
    beforeAll(
      async () =>
        (ctx = await bootSafe(platform, ColdConditionalModule, {
          configure: (app) => {
            if (platform === 'express') app.set('etag', 'strong');
          },
        })),
    );
    afterAll(() => ctx.app.close());
    beforeEach(reset);

    it.each([
      ['If-Modified-Since', LAST_MODIFIED],
      ['If-None-Match', '*'],
    ])(
      'a cold %s request: the 304 carries the entry ETag and the entry is stored',
      async (name, value) => {
        const id = name.length;
        const cold = await ctx.http().get(`/cc/lm/${id}`).set(name, value);
        expect(cold.status).toBe(304);
        const next = await ctx.http().get(`/cc/lm/${id}`).expect(200);
        expect(next.body).toEqual({ id: String(id), body: 'full' });
        expect(next.headers['last-modified']).toBe(LAST_MODIFIED);
        expect(next.headers.etag).toBe(cold.headers.etag);
        // the conditional miss stored the entry (its 304 came from the cache, not the framework)
        expectXCache(next, 'HIT');
        expect(calls[`lm:${id}`]).toBe(1);
      },
    );

    it('a stored 404 is never a 304, whatever the validators say', async () => {
      const miss = await ctx.http().get('/cc/gone/1').set('If-None-Match', '*');
      expect(miss.status).toBe(404);
      const lm = String(miss.headers['last-modified']);
      for (const [name, value] of [
        ['If-None-Match', '*'],
        ['If-None-Match', String(miss.headers.etag)],
        ['If-Modified-Since', lm],
      ]) {
        const hit = await ctx.http().get('/cc/gone/1').set(name, value);
        expectXCache(hit, 'HIT');
        expect([name, hit.status, hit.body]).toEqual([name, 404, { id: '1', missing: true }]);
      }
      expect(calls['gone:1']).toBe(1);
    });
  },
);
