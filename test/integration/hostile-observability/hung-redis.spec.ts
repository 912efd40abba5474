import { Injectable, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { Cached, CacheHealthIndicator, CacheModule, CacheService } from 'nestjs-cached';
import { redisStore } from 'nestjs-cached/redis';
import { bootContext } from '../../e2e/helpers/app-context';
import { eventually } from '../helpers/eventually';
import { RedisServer } from '../helpers/redis-server';

const USER_ID = 'user-31f9a0';

@Injectable()
class Profiles {
  runs = 0;

  @Cached({ key: 'profile:{0}', tags: ['profile-{0}'] })
  async profile(id: string): Promise<{ id: string }> {
    this.runs++;
    return { id };
  }
}

describe('observability while Redis hangs (SIGSTOP), then answers again', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    server.resume();
    await server.stop();
  });

  it('health never hangs, errors count as timeouts against the method, labels stay bounded', async () => {
    const registry = new Registry();
    @Module({
      imports: [
        CacheModule.forRoot({
          store: redisStore({ url: server.url }),
          namespace: 'hung',
          storeTimeout: 100,
          metrics: { prometheus: { registry } },
        }),
      ],
      providers: [Profiles],
    })
    class AppModule {}
    const { app } = await bootContext(AppModule);
    const health = app.get(CacheHealthIndicator);
    const profiles = app.get(Profiles);
    try {
      await profiles.profile(USER_ID);
      server.pause();
      const started = Date.now();
      // Served from this instance's L1 (Redis is hung, not disconnected), or fails open: never hangs.
      await expect(profiles.profile(USER_ID)).resolves.toEqual({ id: USER_ID });
      const other = `${USER_ID}-2`;
      await expect(profiles.profile(other)).resolves.toEqual({ id: other });
      const soft = await health.isHealthy('redis', { timeout: 150 });
      expect(soft.redis).toMatchObject({ status: 'up', degraded: true });
      const strict = await health
        .isHealthy('redis', { timeout: 150, strict: true })
        .catch((e) => e);
      expect(strict.isHealthCheckError).toBe(true);
      expect(Date.now() - started).toBeLessThan(10_000);

      const text = await registry.metrics();
      const timeouts = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('nestjs_cached_store_errors_total{') && l.includes('reason="timeout"'),
        );
      expect(Number(timeouts?.split(' ').pop())).toBeGreaterThan(0);
      const stats = app.get(CacheService).stats({ bySource: true });
      expect(stats.sources!['Profiles.profile'].errors).toBeGreaterThan(0);
      const values = new Set([...text.matchAll(/="([^"]*)"/g)].map((m) => m[1]));
      expect([...values].filter((v) => v.includes(USER_ID) || v.includes('profile:'))).toEqual([]);
      expect([...values].filter((v) => v.startsWith('redisStore'))).toEqual([
        expect.stringMatching(/^redisStore/),
      ]);

      server.resume();
      await eventually(async () => {
        expect((await health.isHealthy('redis', { timeout: 500 })).redis).toMatchObject({
          status: 'up',
          circuit: 'closed',
        });
        expect((await health.isHealthy('redis', { timeout: 500 })).redis.degraded).toBeUndefined();
      }, 10_000);
    } finally {
      server.resume();
      await app.close();
    }
  });
});
