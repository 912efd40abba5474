import { Controller, Get, Module } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { bootSafe, counters, SafeApp } from '../helpers/safety';

/**
 * Hostile: @fastify/cors registered to run late (`hook: 'onSend'` / 'preSerialization'), so the
 * reflected origin is set after the handler. A hit must never carry another requester's origin.
 */
const { count, reset } = counters();

@Controller('late-cors')
class LateCorsController {
  @Get()
  @Cached()
  list() {
    count('list');
    return { items: [1, 2, 3] };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [LateCorsController] })
class LateCorsModule {}

describe.each(['onSend', 'preSerialization'])('hostile: @fastify/cors with hook %s', (hook) => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe('fastify', LateCorsModule, {
        configure: (app) => app.enableCors({ origin: true, credentials: true, hook } as any),
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it("each response carries its own requester's origin", async () => {
    const a = await ctx.http().get('/late-cors').set('Origin', 'https://a.example').expect(200);
    expect(a.headers['access-control-allow-origin']).toBe('https://a.example');
    for (const origin of ['https://b.example', 'https://c.example']) {
      const r = await ctx.http().get('/late-cors').set('Origin', origin).expect(200);
      expect(r.headers['access-control-allow-origin']).toBe(origin);
    }
    const none = await ctx.http().get('/late-cors').expect(200);
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a first request without Origin, then a cross-origin one: the latter still gets its CORS headers', async () => {
    const plain = await ctx.http().get('/late-cors?q=1').expect(200);
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    const cross = await ctx
      .http()
      .get('/late-cors?q=1')
      .set('Origin', 'https://b.example')
      .expect(200);
    // Uncached, @fastify/cors reflects the origin; a browser blocks the response without it.
    expect({
      acao: cross.headers['access-control-allow-origin'],
      xCache: cross.headers['x-cache'],
    }).toEqual({ acao: 'https://b.example', xCache: expect.any(String) });
  });
});
