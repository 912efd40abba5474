/**
 * Entry of the micro-benchmark process: L1 hits of nestjs-cached's `CacheService.get` (from a Nest
 * application context with `CacheModule.forRoot()`) against a bare `lru-cache` holding the same
 * value, measured with tinybench in alternating rounds. Results go to the parent over IPC.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { createCache } from 'cache-manager';
import { NestFactory } from '@nestjs/core';
import { LRUCache } from 'lru-cache';
import { isDeepStrictEqual } from 'node:util';
import { Bench } from 'tinybench';
import { Cached, CacheModule, CacheService } from '../../lib';
import { PAYLOAD } from '../app/workload';
import { MicroArgs, MicroMessage } from './micro-messages';

/** Operations per tinybench iteration, so timer overhead is spread over many calls. */
const BATCH = 1000;
const KEY = 'GET /item';

const LIST = Array.from({ length: 1000 }, (_, i) => ({ ...PAYLOAD, id: i }));

/** Provider methods answering the payload, or a 1,000-item list, with copies or frozen values. */
@Injectable()
class Catalog {
  @Cached()
  async item() {
    return PAYLOAD;
  }

  @Cached({ values: 'frozen' })
  async frozenItem() {
    return PAYLOAD;
  }

  @Cached()
  async list() {
    return LIST;
  }

  @Cached({ values: 'frozen' })
  async frozenList() {
    return LIST;
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [Catalog] })
class MicroModule {}

@Module({ imports: [CacheModule.forRoot({ values: 'frozen' })] })
class FrozenModule {}

let sink: unknown;

/** Name, the task (one batch), and its operations per batch when not `BATCH`. */
type Task = [string, () => unknown, number?];

async function tasks(): Promise<Task[]> {
  const app = await NestFactory.createApplicationContext(MicroModule, {
    logger: ['error', 'warn'],
  });
  const cache = app.get(CacheService);
  await cache.set(KEY, PAYLOAD);
  if (!isDeepStrictEqual(await cache.get(KEY), PAYLOAD)) throw new Error('CacheService.get missed');
  const frozenApp = await NestFactory.createApplicationContext(FrozenModule, {
    logger: ['error', 'warn'],
  });
  const frozen = frozenApp.get(CacheService);
  await frozen.set(KEY, PAYLOAD);
  if (!isDeepStrictEqual(await frozen.get(KEY), PAYLOAD)) throw new Error('frozen get missed');
  const catalog = app.get(Catalog);
  for (const warm of [catalog.item(), catalog.frozenItem(), catalog.list(), catalog.frozenList()]) {
    await warm;
  }
  const manager = createCache();
  await manager.set(KEY, PAYLOAD);
  if (!isDeepStrictEqual(await manager.get(KEY), PAYLOAD)) throw new Error('cache-manager missed');
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
      'nestjs-cached CacheService.get (frozen values)',
      async () => {
        for (let i = 0; i < BATCH; i++) sink = await frozen.get(KEY);
      },
    ],
    [
      'nestjs-cached @Cached method hit',
      async () => {
        for (let i = 0; i < BATCH; i++) sink = await catalog.item();
      },
    ],
    [
      'nestjs-cached @Cached method hit (frozen values)',
      async () => {
        for (let i = 0; i < BATCH; i++) sink = await catalog.frozenItem();
      },
    ],
    [
      'nestjs-cached @Cached method hit, 1,000-item list',
      async () => {
        for (let i = 0; i < BATCH / 100; i++) sink = await catalog.list();
      },
      BATCH / 100,
    ],
    [
      'nestjs-cached @Cached method hit, 1,000-item list (frozen values)',
      async () => {
        for (let i = 0; i < BATCH / 100; i++) sink = await catalog.frozenList();
      },
      BATCH / 100,
    ],
    [
      'cache-manager 7 get (Keyv memory)',
      async () => {
        for (let i = 0; i < BATCH; i++) sink = await manager.get(KEY);
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
      const batch = all.find(([name]) => name === task.name)?.[2] ?? BATCH;
      ops.get(task.name)?.push((batch * 1000) / result.period);
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
