import { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { entry } from './paths';
import { kill, spawnNode } from './processes';
import { ServerArgs, ServerMessage, ServerStats } from './server-messages';
import { NamedVariant, Platform } from './variant';

const STARTUP_TIMEOUT_MS = 60_000;
const STATS_TIMEOUT_MS = 10_000;

/** Parent-side handle of one server process (one variant on one platform). */
export class ServerProcess {
  private nextId = 0;

  private constructor(
    readonly variant: NamedVariant,
    readonly platform: Platform,
    readonly port: number,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {}

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(
    variant: NamedVariant,
    platform: Platform,
    options: { cpus: string; logDir: string; nodeFlags?: string[] },
  ): Promise<ServerProcess> {
    const logFile = path.join(options.logDir, `${variant.name}.${platform}.log`);
    const args: ServerArgs = { variantFile: variant.file, platform };
    const child = spawnNode({
      entry: entry(__dirname, 'server-main'),
      args: [JSON.stringify(args)],
      cpus: options.cpus,
      logFile,
      nodeFlags: options.nodeFlags,
    });
    try {
      const port = await waitForReady(child);
      return new ServerProcess(variant, platform, port, logFile, child);
    } catch (error) {
      await kill(child);
      throw new Error(
        `${variant.name} on ${platform}: ${(error as Error).message} (log: ${logFile})`,
      );
    }
  }

  /** CPU time, memory and handler executions of the server, read inside it. */
  stats(gc = false): Promise<ServerStats> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const onMessage = (message: ServerMessage): void => {
        if (message.type !== 'stats' || message.id !== id) return;
        cleanup();
        resolve(message.stats);
      };
      const onExit = (): void => {
        cleanup();
        reject(new Error(`${this.variant.name} on ${this.platform} exited (log: ${this.logFile})`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.variant.name} on ${this.platform}: no stats in time`));
      }, STATS_TIMEOUT_MS);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ type: 'stats', id, gc });
    });
  }

  stop(): Promise<void> {
    return kill(this.child);
  }
}

function waitForReady(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('not ready in time')), STARTUP_TIMEOUT_MS);
    const onMessage = (message: ServerMessage): void => {
      if (message.type === 'ready') done(undefined, message.port);
      if (message.type === 'failed') done(new Error(`failed to start: ${message.error}`));
    };
    const onExit = (code: number | null): void => done(new Error(`exited with ${code}`));
    const done = (error?: Error, port?: number): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(port as number);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
