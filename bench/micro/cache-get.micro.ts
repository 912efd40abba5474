/**
 * Entry of the micro-benchmark process: L1 hits of nestjs-cached's `CacheService.get` (from a Nest
 * application context with `CacheModule.forRoot()`) against a bare `lru-cache` holding the same
 * value, measured with tinybench in alternating rounds. Results go to the parent over IPC.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LRUCache } from 'lru-cache';
import { isDeepStrictEqual } from 'node:util';
import { Bench } from 'tinybench';
import { CacheModule, CacheService } from '../../lib';
import { PAYLOAD } from '../app/workload';
import { MicroArgs, MicroMessage } from './micro-messages';

/** Operations per tinybench iteration, so timer overhead is spread over many calls. */
const BATCH = 1000;
const KEY = 'GET /item';

@Module({ imports: [CacheModule.forRoot()] })
class MicroModule {}

let sink: unknown;

async function tasks(): Promise<[string, () => unknown][]> {
  const app = await NestFactory.createApplicationContext(MicroModule, {
    logger: ['error', 'warn'],
  });
  const cache = app.get(CacheService);
  await cache.set(KEY, PAYLOAD);
  if (!isDeepStrictEqual(await cache.get(KEY), PAYLOAD)) throw new Error('CacheService.get missed');
  const lru = new LRUCache<string, object>({ max: 10_000 });
  lru.set(KEY, PAYLOAD);
  const json = new LRUCache<string, string>({ max: 10_000 });
  json.set(KEY, JSON.stringify(PAYLOAD));
  return [
    [
      'nestjs-cached CacheService.get (L1 hit)',
      async () => {
        for (let i = 0; i < BATCH; i++) sink = await cache.get(KEY);
      },
    ],
    [
      'lru-cache get (bare, sync)',
      () => {
        for (let i = 0; i < BATCH; i++) sink = lru.get(KEY);
      },
    ],
    [
      'lru-cache get, awaited (promise floor)',
      async () => {
        for (let i = 0; i < BATCH; i++) sink = await lru.get(KEY);
      },
    ],
    [
      'lru-cache get + JSON.parse (copy floor)',
      () => {
        for (let i = 0; i < BATCH; i++) sink = JSON.parse(json.get(KEY) as string);
      },
    ],
  ];
}

async function main(): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  const args = JSON.parse(process.argv[2]) as MicroArgs;
  const all = await tasks();
  const ops = new Map<string, number[]>(all.map(([name]) => [name, []]));
  for (let round = 0; round < args.rounds; round++) {
    const bench = new Bench({ time: args.taskMs, warmupTime: Math.min(200, args.taskMs / 2) });
    const k = round % all.length;
    for (const [name, fn] of [...all.slice(k), ...all.slice(0, k)]) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
      ops.get(task.name)?.push((BATCH * 1000) / result.period);
    }
  }
  void sink;
  const message: MicroMessage = {
    type: 'done',
    tasks: all.map(([name]) => ({ name, opsPerSec: ops.get(name) ?? [] })),
  };
  // The parent kills this process once it has the message.
  process.send?.(message);
}

main().catch((error: unknown) => {
  const message: MicroMessage = { type: 'failed', error: String((error as Error)?.stack ?? error) };
  process.send?.(message);
});
