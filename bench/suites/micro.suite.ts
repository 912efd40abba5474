import * as path from 'node:path';
import { entry } from '../harness/paths';
import { kill, spawnNode } from '../harness/processes';
import { MicroArgs, MicroMessage } from '../micro/micro-messages';
import type { MicroResult } from '../report/results.types';
import { errorMessage, SuiteContext } from './suite-context';

/** Runs the tinybench micro-benchmark in its own process, pinned to the server CPU. */
export async function runMicroSuite(ctx: SuiteContext): Promise<MicroResult> {
  const args: MicroArgs = { rounds: ctx.config.rounds, taskMs: ctx.config.microTaskMs };
  const logFile = path.join(ctx.logDir, 'micro.log');
  ctx.log(`micro: CacheService.get vs lru-cache, ${args.rounds} rounds`);
  const child = spawnNode({
    entry: entry(path.join(__dirname, '..', 'micro'), 'cache-get.micro'),
    args: [JSON.stringify(args)],
    cpus: ctx.config.serverCpu,
    logFile,
  });
  // Four tasks, warm-up included, per round, plus start-up.
  const timeoutMs = 60_000 + args.rounds * 4 * (args.taskMs + 500) * 2;
  try {
    return await new Promise<MicroResult>((resolve) => {
      const timer = setTimeout(() => resolve({ tasks: [], error: 'timed out' }), timeoutMs);
      child.on('message', (message: MicroMessage) => {
        clearTimeout(timer);
        if (message.type === 'done') resolve({ tasks: message.tasks });
        else resolve({ tasks: [], error: message.error.split('\n')[0] });
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ tasks: [], error: `exited with ${code} (log: ${logFile})` });
      });
    });
  } catch (error) {
    return { tasks: [], error: errorMessage(error) };
  } finally {
    await kill(child);
  }
}
