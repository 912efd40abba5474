import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AddressInfo } from 'node:net';
import { configureApp } from './app.setup';
import { stopWithParent } from './stop-with-parent';

/**
 * `npm run sample:cluster`: two instances of the catalogue on one Redis (`REDIS_URL`, default
 * redis://localhost:6379), on ports `PORT_A` (3000) and `PORT_B` (3001). They run in one process
 * so they can share the sample's in-memory "database", but each has its own Nest application,
 * Redis connections and L1, exactly as two deployed instances would.
 */
export async function startInstances(ports: number[]): Promise<INestApplication[]> {
  process.env.SAMPLE_SHARED_TABLE = '1';
  process.env.REDIS_URL ??= 'redis://localhost:6379';
  // Loaded after the environment is set: the module reads it.
  const { AppModule } = await import('./app.module');
  const apps: INestApplication[] = [];
  for (const port of ports) {
    const app = configureApp(await NestFactory.create(AppModule, { logger: ['error', 'warn'] }));
    app.enableShutdownHooks();
    stopWithParent(() => app.close());
    await app.listen(port);
    apps.push(app);
  }
  return apps;
}

async function main(): Promise<void> {
  const apps = await startInstances([
    Number(process.env.PORT_A ?? 3000),
    Number(process.env.PORT_B ?? 3001),
  ]);
  const [a, b] = apps.map(
    (app) => `http://localhost:${(app.getHttpServer().address() as AddressInfo).port}`,
  );
  new Logger('Sample').log(`Two instances on ${process.env.REDIS_URL}: A ${a}, B ${b}`);
  console.log(
    [
      '',
      'Try (watch X-Cache):',
      `  curl -i ${a}/products/1     # A: MISS (slow), then HIT`,
      `  curl -i ${b}/products/1     # B: HIT, from the entry A stored in Redis`,
      `  curl -i ${b}/products/1     # B: HIT again, now from B's own L1 (no Redis round trip)`,
      `  curl -i -X PUT -H 'Content-Type: application/json' -d '{"price": 4.5}' ${a}/products/1`,
      `  curl -i ${b}/products/1     # B: MISS with the new price: A's update invalidated B's L1`,
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
