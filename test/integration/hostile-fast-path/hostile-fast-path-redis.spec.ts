import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { redisStore } from 'nestjs-cached/redis';
import { eventually } from '../helpers/eventually';
import { RedisServer } from '../helpers/redis-server';

let runs = 0;

@Controller('redis-fast')
class RedisFastController {
  @Get()
  @Cached({ scope: 'public', tags: ['redis-fast'] })
  item() {
    runs++;
    return { run: runs };
  }
}

let server: RedisServer;
beforeAll(async () => (server = await RedisServer.start()));
afterAll(async () => server?.stop());

async function boot(platform: 'express' | 'fastify', l1: boolean): Promise<INestApplication> {
  @Module({
    imports: [
      CacheModule.forRoot({
        fastPath: true,
        namespace: `hfp-${platform}`,
        store: l1 ? redisStore({ url: server.url }) : redisStore({ url: server.url, l1: false }),
      }),
    ],
    controllers: [RedisFastController],
  })
  class RedisFastModule {}
  const moduleRef = await Test.createTestingModule({ imports: [RedisFastModule] }).compile();
  const app =
    platform === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication({ logger: false });
  await app.init();
  if (platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe.each(['express', 'fastify'] as const)('fast path on a Redis store (%s)', (platform) => {
  let a: INestApplication;
  let b: INestApplication;
  beforeAll(async () => {
    a = await boot(platform, true);
    b = await boot(platform, false);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('answers fast hits from Redis and sees another instance invalidation at once', async () => {
    const get = (app: INestApplication) => request(app.getHttpServer()).get('/redis-fast');
    const miss = await get(a).expect(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    // a's write to Redis may land just after its response (the store write is asynchronous):
    // a, then b, hit once it has.
    await eventually(async () => {
      const hitA = await get(a).expect(200);
      expect(hitA.headers['x-cache']).toBe('HIT');
    }, 5_000);
    let hitB!: request.Response;
    await eventually(async () => {
      hitB = await get(b).expect(200);
      expect(hitB.headers['x-cache']).toBe('HIT');
    }, 5_000);
    const stored = hitB.text;
    const etag = hitB.headers.etag;
    const notModified = await get(b).set('If-None-Match', etag).expect(304);
    expect(notModified.headers['x-cache']).toBe('HIT');
    expect(notModified.headers.etag).toBe(etag);

    await b.get(CacheService).invalidateTags(['redis-fast']);
    // b reads Redis only: the invalidation shows at once.
    const afterB = await get(b).expect(200);
    expect(afterB.headers['x-cache']).toBe('MISS');
    expect(afterB.text).not.toBe(stored);
    // a keeps an L1 copy: the bus takes it out; a fast hit never serves the old body after that.
    await eventually(async () => {
      const fromA = await get(a).expect(200);
      expect([miss.text, stored]).not.toContain(fromA.text);
    }, 5_000);
    await b.get(CacheService).clear();
    const cleared = await get(b).expect(200);
    expect(cleared.headers['x-cache']).toBe('MISS');
  });
});
