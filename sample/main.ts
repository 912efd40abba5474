import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { stopWithParent } from './stop-with-parent';

/** Starts the catalogue on Express, on `PORT` (default 3000; `PORT=0` picks a free one). */
async function bootstrap(): Promise<void> {
  const app = configureApp(await NestFactory.create(AppModule));
  app.enableShutdownHooks();
  stopWithParent(() => app.close());
  await app.listen(Number(process.env.PORT ?? 3000));
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://localhost:${port}`;
  new Logger('Sample').log(`Products catalogue listening on ${url} (pid ${process.pid})`);
  const examples: [string, string][] = [
    [`curl -i ${url}/products`, 'MISS (slow), then HIT'],
    [`curl -i -H 'Accept-Language: fr' ${url}/products`, 'its own entry: prices in French'],
    [`curl -i ${url}/products/1`, 'MISS, then HIT; never shows costPrice'],
    [
      `curl -i -X PUT -H 'Content-Type: application/json' -d '{"price": 4.5}' ${url}/products/1`,
      '',
    ],
    [`curl -i ${url}/products/1`, 'MISS again, with the new price'],
    [`curl -i -H 'x-user: alice' ${url}/me`, 'one entry per user'],
    [`curl -i -H 'x-user: bob' ${url}/me`, ''],
    [`curl ${url}/cache/stats`, 'hits, misses, ...'],
  ];
  const width = Math.max(...examples.map(([command, note]) => (note ? command.length : 0)));
  const lines = examples.map(([command, note]) =>
    note ? `  ${command.padEnd(width)}  # ${note}` : `  ${command}`,
  );
  console.log(['', 'Try (watch the X-Cache and Age headers):', ...lines, ''].join('\n'));
}

bootstrap().catch((error) => {
  console.error(error);
  process.exit(1);
});
