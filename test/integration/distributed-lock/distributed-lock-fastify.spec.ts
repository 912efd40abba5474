import { Controller, Get, INestApplication, Module, Param } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Cached, CacheModule } from 'nestjs-cached';
import { redisStore } from 'nestjs-cached/redis';
import { bootApp } from '../../e2e/helpers/platforms';
import { RedisServer } from '../helpers/redis-server';

/** The HTTP flow under the lock on Fastify (the main spec runs Express): 2 instances, 1 run. */

let runs = 0;

@Controller('f')
class FController {
  @Get(':id')
  @Cached({ ttl: '1m', distributedLock: true, scope: 'user' })
  async find(@Param('id') id: string) {
    runs++;
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { id, nonce: randomUUID() };
  }
}

describe('distributed single-flight on Fastify, per-user entries', () => {
  let server: RedisServer;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await server.stop();
  });

  it('2 Fastify instances x 40 concurrent requests of one user: one run, one body, 200s', async () => {
    const agents = [];
    for (let i = 0; i < 2; i++) {
      @Module({
        imports: [
          CacheModule.forRoot({
            store: redisStore({ url: server.url }),
            storeTimeout: 1_000,
            userKey: (ctx) => ctx.switchToHttp().getRequest().headers['x-user'],
          }),
        ],
        controllers: [FController],
      })
      class FModule {}
      const { app, http } = await bootApp('fastify', FModule);
      apps.push(app);
      agents.push(http);
    }
    const replies = await Promise.all(
      agents.flatMap((http) =>
        Array.from({ length: 40 }, () => http().get('/f/1').set('x-user', 'u7')),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    expect(runs).toBe(1);
    // Another user's entry is another key: computed once more, never shared.
    const other = await agents[1]().get('/f/1').set('x-user', 'u8');
    expect(other.status).toBe(200);
    expect(other.text).not.toBe(replies[0].text);
    expect(runs).toBe(2);
  });
});
