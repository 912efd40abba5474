/**
 * `npm run sample`, stopped by a signal sent to its npm process (what a process manager, an IDE
 * or `kill <npm pid>` does): the server must stop too, not stay behind holding its port.
 */
import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';
import * as path from 'path';

const root = path.resolve(__dirname, '../../..');

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

describe('npm run sample', () => {
  let npm: ChildProcess | undefined;
  let serverPid: number | undefined;

  afterAll(() => {
    // Never leave a server behind, even when the test failed.
    if (serverPid !== undefined && alive(serverPid)) process.kill(serverPid, 'SIGKILL');
    if (npm?.pid !== undefined && alive(npm.pid)) npm.kill('SIGKILL');
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)(
    'stops the server when its npm process gets %s',
    async (signal) => {
      npm = spawn('npm', ['run', 'sample'], {
        cwd: root,
        env: { ...process.env, PORT: '0', DELAY_MS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const listening = new Promise<{ port: number; pid: number }>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on http:\/\/localhost:(\d+) \(pid (\d+)\)/.exec(output);
          if (match) resolve({ port: Number(match[1]), pid: Number(match[2]) });
        };
        npm!.stdout!.on('data', onData);
        npm!.stderr!.on('data', onData);
        npm!.once('exit', (code) => reject(new Error(`npm exited (${code}) before:\n${output}`)));
      });
      const { port, pid } = await listening;
      serverPid = pid;
      expect(await portOpen(port)).toBe(true);

      npm.kill(signal);

      expect(await until(() => !alive(pid), 10_000)).toBe(true);
      expect(await portOpen(port)).toBe(false);
      serverPid = undefined;
    },
    60_000,
  );
});
