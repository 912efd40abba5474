import { Module } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Registry } from 'prom-client';
import { CacheEvent, CacheHealthIndicator, CacheModule, CacheService } from 'nestjs-cached';
import { redisStore } from 'nestjs-cached/redis';
import { bootContext } from '../../e2e/helpers/app-context';
import { eventually } from '../helpers/eventually';
import { RedisServer } from '../helpers/redis-server';

describe('observability with the Redis store', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(() => server.stop());

  it('reports the breaker in health, metrics and events while Redis dies and returns', async () => {
    const store = redisStore({ url: server.url });
    const registry = new Registry();
    @Module({
      imports: [
        EventEmitterModule.forRoot(),
        CacheModule.forRoot({
          store,
          namespace: 'obs',
          storeTimeout: 200,
          events: true,
          metrics: { prometheus: { registry } },
        }),
      ],
    })
    class AppModule {}
    const { app } = await bootContext(AppModule);
    const events: [string, CacheEvent][] = [];
    const emitter = app.get(EventEmitter2);
    for (const name of ['cache.circuit.opened', 'cache.circuit.closed', 'cache.error']) {
      emitter.on(name, (event: CacheEvent) => events.push([name, event]));
    }
    const health = app.get(CacheHealthIndicator);
    const cache = app.get(CacheService);
    const circuitMetric = async () =>
      (await registry.metrics())
        .split('\n')
        .find((line) => line.startsWith('nestjs_cached_circuit_state{'));
    try {
      await cache.set('k', 1);
      expect(await health.isHealthy('redis')).toEqual({
        redis: expect.objectContaining({
          status: 'up',
          circuit: 'closed',
          store: expect.stringMatching(/^redisStore/),
        }),
      });
      expect((await health.isHealthy('redis')).redis.degraded).toBeUndefined();

      await server.kill();
      for (let i = 0; i < 8; i++) await cache.get(`gone:${i}`);
      expect(store.circuit).toBe('open');
      const degraded = await health.isHealthy('redis', { timeout: 300 });
      expect(degraded.redis).toMatchObject({ status: 'up', degraded: true, circuit: 'open' });
      const strict = await health.isHealthy('redis', { strict: true }).catch((e) => e);
      expect(strict.isHealthCheckError).toBe(true);
      expect(strict.causes.redis).toMatchObject({ status: 'down', circuit: 'open' });
      expect(await circuitMetric()).toMatch(/ 2$/);
      expect(events.map(([name]) => name)).toContain('cache.circuit.opened');
      const error = events.find(([name]) => name === 'cache.error')![1];
      expect(error).toMatchObject({ namespace: 'obs', operation: 'get' });
      expect(['timeout', 'error']).toContain(error.reason);

      await server.restart();
      await eventually(async () => {
        await cache.get('probe');
        expect(store.circuit).toBe('closed');
      }, 10_000);
      expect(events.map(([name]) => name)).toContain('cache.circuit.closed');
      expect((await health.isHealthy('redis')).redis).toMatchObject({
        status: 'up',
        circuit: 'closed',
      });
      expect(await circuitMetric()).toMatch(/ 0$/);
      const errors = (await registry.metrics())
        .split('\n')
        .filter((line) => line.startsWith('nestjs_cached_store_errors_total{'));
      expect(errors.some((line) => !line.endsWith(' 0'))).toBe(true);
    } finally {
      await app.close();
    }
  });
});
