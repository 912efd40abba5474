/**
 * Entry of one server process: builds the variant's app on one platform, listens on a free port
 * of 127.0.0.1, reports the port and answers stats requests over IPC. Exits with its parent.
 */
import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AddressInfo } from 'node:net';
import { handlerExecutions } from '../app/workload';
import { ServerArgs, ServerMessage, ServerRequest, ServerStats } from './server-messages';
import type { BenchVariant } from './variant';

function send(message: ServerMessage): void {
  process.send?.(message);
}

function snapshot(gc: boolean): ServerStats {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect) collect();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuMicros: cpu.user + cpu.system,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    executions: handlerExecutions(),
  };
}

async function createApp(args: ServerArgs): Promise<INestApplication> {
  const imported = (await import(args.variantFile)) as { default: BenchVariant };
  const root = await imported.default.createModule();
  const adapter = args.platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  return NestFactory.create(root, adapter, { logger: ['error', 'warn'], abortOnError: false });
}

async function main(): Promise<void> {
  // The parent going away (even killed) closes the channel: never outlive it.
  process.on('disconnect', () => process.exit(0));
  // Exit through process.exit so that --cpu-prof and friends write their files.
  process.on('SIGTERM', () => process.exit(0));
  process.on('message', (request: ServerRequest) => {
    if (request.type === 'stats') {
      send({ type: 'stats', id: request.id, stats: snapshot(request.gc === true) });
    }
  });
  const app = await createApp(JSON.parse(process.argv[2]) as ServerArgs);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  send({ type: 'ready', port: address.port });
}

main().catch((error: unknown) => {
  send({
    type: 'failed',
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  setTimeout(() => process.exit(1), 100);
});
