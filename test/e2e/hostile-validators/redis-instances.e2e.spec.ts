import { Controller, Get, Module, Param } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { redisStore } from 'nestjs-cached/redis';
import { eventually } from '../../integration/helpers/eventually';
import { redisAdmin } from '../../integration/helpers/redis-admin';
import { RedisServer } from '../../integration/helpers/redis-server';
import { bootSafe, counters, expectXCache } from '../helpers/safety';

const { calls, count } = counters();

@Controller('rv')
class RedisValidatorsController {
  @Get('item/:id')
  @Cached({ ttl: '1m', lastModified: true, cacheControl: { sMaxAge: 'ttl' }, vary: ['X-Tenant'] })
  item(@Param('id') id: string) {
    count(`item:${id}`);
    return { id, text: 'über' };
  }
}

function redisModule(url: string) {
  @Module({
    imports: [CacheModule.forRoot({ store: redisStore({ url }) })],
    controllers: [RedisValidatorsController],
  })
  class RedisValidatorsModule {}
  return RedisValidatorsModule;
}

describe('validators across instances sharing one Redis', () => {
  let server: RedisServer;
  beforeAll(async () => (server = await RedisServer.start()));
  afterAll(() => server.stop());

  it('an entry one instance wrote answers alike on the other: ETag, Last-Modified, Age, 304', async () => {
    const writer = await bootSafe('express', redisModule(server.url));
    const reader = await bootSafe('fastify', redisModule(server.url));
    try {
      const miss = await writer.http().get('/rv/item/1').set('X-Tenant', 't').expect(200);
      expectXCache(miss, 'MISS');
      // the miss writes after it answered: wait until the entry is in Redis
      const admin = await redisAdmin(server.url);
      try {
        await eventually(async () => expect(await admin.dbSize()).toBeGreaterThan(0), 10_000);
      } finally {
        await admin.quit();
      }
      const hit = await reader.http().get('/rv/item/1').set('X-Tenant', 't').expect(200);
      expectXCache(hit, 'HIT');
      const back = await writer.http().get('/rv/item/1').set('X-Tenant', 't').expect(200);
      for (const res of [hit, back]) {
        expect([
          res.headers.etag,
          res.headers['last-modified'],
          res.headers['cache-control'],
          res.headers.vary,
          res.text,
        ]).toEqual([
          miss.headers.etag,
          miss.headers['last-modified'],
          'public, max-age=60, s-maxage=60',
          'x-tenant',
          miss.text,
        ]);
        expect(res.headers.age).toMatch(/^\d+$/);
      }
      for (const instance of [writer, reader]) {
        const byTag = await instance
          .http()
          .get('/rv/item/1')
          .set('X-Tenant', 't')
          .set('If-None-Match', `"other", ${miss.headers.etag}`);
        const byDate = await instance
          .http()
          .get('/rv/item/1')
          .set('X-Tenant', 't')
          .set('If-Modified-Since', miss.headers['last-modified']);
        expect([byTag.status, byTag.headers.etag, byDate.status]).toEqual([
          304,
          miss.headers.etag,
          304,
        ]);
      }
      expect(calls['item:1']).toBe(1);
    } finally {
      await writer.app.close();
      await reader.app.close();
    }
  });
});
