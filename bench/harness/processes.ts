import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';

const children = new Set<ChildProcess>();
let hasTaskset: boolean | undefined;

/** Whether `taskset` can pin processes here (and there are at least two CPUs to pin to). */
export function canPin(): boolean {
  if (hasTaskset === undefined) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      hasTaskset = true;
    } catch {
      hasTaskset = false;
    }
  }
  return hasTaskset;
}

/** Pins every thread of this process (the orchestrator and its load generator) to `cpus`. */
export function pinSelf(cpus: string): boolean {
  if (!canPin()) return false;
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
  return true;
}

export interface SpawnNodeOptions {
  entry: string;
  args: string[];
  cpus: string;
  logFile: string;
  nodeFlags?: string[];
}

/**
 * Starts `node <entry>` pinned to `cpus`, with an IPC channel and its output in `logFile`; a `.ts`
 * entry runs through ts-node. It is killed when this process exits.
 */
export function spawnNode(options: SpawnNodeOptions): ChildProcess {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = fs.openSync(options.logFile, 'w');
  const tsNode = options.entry.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [];
  const nodeArgs = [...(options.nodeFlags ?? []), ...tsNode, options.entry, ...options.args];
  const [command, args] = canPin()
    ? ['taskset', ['-c', options.cpus, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', log, log, 'ipc'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      TS_NODE_PROJECT: path.join(REPO_ROOT, 'tsconfig.json'),
    },
  });
  fs.closeSync(log);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Kills one child and waits (at most `ms`) for it to exit. */
export function kill(child: ChildProcess, ms = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Kills every child still running; safe to call from an exit handler (synchronous). */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

let installed = false;

/** Makes sure no server outlives the run, however it ends. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}
