import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startInstances } from '../../../sample/cluster';
import { RedisServer } from '../helpers/redis-server';

/** `npm run sample:cluster`: two catalogue instances on one Redis, as a newcomer runs them. */
describe('sample: two instances on one Redis', () => {
  let server: RedisServer;
  let apps: INestApplication[] = [];
  const env = { ...process.env };

  beforeAll(async () => {
    server = await RedisServer.start();
    process.env.REDIS_URL = server.url;
    process.env.DELAY_MS = '5';
    apps = await startInstances([0, 0]);
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await server?.stop();
    process.env = env;
  });

  it('an update on A invalidates what B cached, B included its L1', async () => {
    const [a, b] = apps.map((app) => () => request(app.getHttpServer()));
    expect((await a().get('/products/1')).headers['x-cache']).toBe('MISS');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const fromB = await b().get('/products/1');
    expect(fromB.headers['x-cache']).toBe('HIT');
    expect((await b().get('/products/1')).headers['x-cache']).toBe('HIT');
    await a().put('/products/1').send({ price: 4.5 }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await b().get('/products/1');
    expect(after.headers['x-cache']).toBe('MISS');
    expect(after.body.price).toBe(4.5);
    expect(after.body.costPrice).toBeUndefined();
  });
});
