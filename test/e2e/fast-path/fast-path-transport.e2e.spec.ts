import { Controller, Get, Module } from '@nestjs/common';
import compression from 'compression';
import fastifyCompress from '@fastify/compress';
import { Cached, CacheModule } from 'nestjs-cached';
import { bootSafe, counters, SafeApp } from '../helpers/safety';
import { Platform } from '../helpers/platforms';
import { listen, rawRequest } from '../hostile-transport/raw-client';
import { CacheInterceptor } from '../../../lib/interceptors/cache.interceptor';

/**
 * Transport layers apply to fast hits as to standard ones: a fast hit goes out through Express
 * `compression()` and Fastify's `@fastify/compress` for its own request, and answers a matching
 * `If-None-Match` like a standard hit.
 */
const { calls, count, reset } = counters();
const BIG = { items: Array.from({ length: 200 }, (_, i) => ({ i, name: `item number ${i}` })) };
const BIG_TEXT = JSON.stringify(BIG);

@Controller('z')
class BigController {
  @Get('json')
  @Cached({ scope: 'public' })
  json() {
    count('json');
    return BIG;
  }
}

@Module({ imports: [CacheModule.forRoot({ fastPath: true })], controllers: [BigController] })
class FastBigModule {}

const setups: Record<Platform, Parameters<typeof bootSafe>[2]> = {
  express: { configure: (app) => app.use(compression()) },
  fastify: {
    configure: async (app) => {
      await (app as any).register(fastifyCompress as any, { threshold: 1024 });
    },
  },
};

describe.each(['express', 'fastify'] as const)('fast path behind compression (%s)', (platform) => {
  let ctx: SafeApp;
  let port: number;
  beforeAll(async () => {
    ctx = await bootSafe(platform, FastBigModule, setups[platform]);
    port = await listen(ctx.app.getHttpServer());
  });
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('gzip for clients that ask, identity for the others, one handler run', async () => {
    const miss = await rawRequest(port, '/z/json', { 'accept-encoding': 'gzip' });
    expect(miss.headers['x-cache']).toBe('MISS');
    const intercepted = jest.spyOn(CacheInterceptor.prototype, 'intercept');
    for (let i = 0; i < 2; i++) {
      const plain = await rawRequest(port, '/z/json');
      expect(plain.headers['x-cache']).toBe('HIT');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.wire.toString()).toBe(BIG_TEXT);
      const gz = await rawRequest(port, '/z/json', { 'accept-encoding': 'gzip' });
      expect(gz.headers['x-cache']).toBe('HIT');
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.body.toString()).toBe(BIG_TEXT);
    }
    expect(intercepted).not.toHaveBeenCalled();
    intercepted.mockRestore();
    expect(calls.json).toBe(1);
  });
});
