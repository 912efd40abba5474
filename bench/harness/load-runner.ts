import autocannon from 'autocannon';
import { cpuBusySeconds } from './cpu-load';
import { percentile } from './stats';
import { ServerProcess } from './server-process';

export interface LoadOptions {
  /** The request path, or a function returning a new one for every request. */
  path: string | (() => string);
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** The CPU the server is pinned to, to measure what else ran on it. */
  serverCpu: string;
}

/** What one measured window saw. */
export interface WindowResult {
  responses: number;
  /** Server CPU time (user + system) spent in the window, in microseconds. */
  serverCpuMicros: number;
  wallSeconds: number;
  cpuMicrosPerResponse: number;
  reqPerSec: number;
  /** Server CPU time ÷ wall time: well below 1 means the load generator was the limit. */
  serverUtilisation: number;
  /**
   * Share of the window in which the server's CPU ran other processes (other users of the
   * machine): high values mean a contended, less trustworthy window. NaN where unknown.
   */
  foreignLoad: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and non-2xx responses over the whole run, warm-up included. */
  failures: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Run {
  instance: ReturnType<typeof autocannon>;
  done: Promise<number>;
}

interface StartOptions {
  path: LoadOptions['path'];
  connections: number;
  /** A ceiling only: runs are stopped when their window closes. */
  maxSeconds: number;
  amount?: number;
}

function start(server: ServerProcess, options: StartOptions): Run {
  const { path } = options;
  const requests =
    typeof path === 'string'
      ? [{ path }]
      : [{ setupRequest: (request: object) => ({ ...request, path: path() }) }];
  let instance!: Run['instance'];
  const done = new Promise<number>((resolve, reject) => {
    instance = autocannon(
      {
        url: server.origin,
        connections: options.connections,
        duration: Math.ceil(options.maxSeconds),
        ...(options.amount ? { amount: options.amount } : {}),
        timeout: 10,
        sampleInt: 100,
        requests,
      },
      (error, result) => (error ? reject(error) : resolve(result.errors + result.non2xx)),
    );
  });
  // Awaited later; until then a failure must not count as an unhandled rejection.
  done.catch(() => undefined);
  return { instance, done };
}

/** Waits `ms`, or fails as soon as the load run ends or fails before that. */
function during(run: Run, ms: number): Promise<void> {
  const ended = run.done.then(() => {
    throw new Error('the load generator stopped early');
  });
  return Promise.race([sleep(ms), ended]);
}

/**
 * Drives `server` with autocannon from this process: one continuous run whose first
 * `warmupSeconds` are a warm-up and whose next `seconds` are measured. The window opens and closes
 * on server CPU snapshots and counts the responses that arrived between them.
 */
export async function runWindow(
  server: ServerProcess,
  options: LoadOptions,
): Promise<WindowResult> {
  const maxSeconds = options.warmupSeconds + options.seconds + 30;
  const run = start(server, { ...options, maxSeconds });
  let responses = 0;
  let measuring = false;
  const latencies: number[] = [];
  run.instance.on('response', (_client, _status, _bytes, responseTime) => {
    responses++;
    if (measuring) latencies.push(responseTime);
  });
  let window: Omit<WindowResult, 'failures'>;
  try {
    await during(run, options.warmupSeconds * 1000);
    const before = await server.stats();
    const busyBefore = cpuBusySeconds(options.serverCpu);
    const first = responses;
    const t0 = process.hrtime.bigint();
    measuring = true;
    await during(run, options.seconds * 1000);
    const after = await server.stats();
    const busyAfter = cpuBusySeconds(options.serverCpu);
    const count = responses - first;
    measuring = false;
    const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = after.cpuMicros - before.cpuMicros;
    window = {
      responses: count,
      serverCpuMicros: cpu,
      wallSeconds,
      cpuMicrosPerResponse: count ? cpu / count : NaN,
      reqPerSec: count / wallSeconds,
      serverUtilisation: cpu / 1e6 / wallSeconds,
      foreignLoad:
        busyBefore === undefined || busyAfter === undefined
          ? NaN
          : Math.max(0, busyAfter - busyBefore - cpu / 1e6) / wallSeconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
  } finally {
    run.instance.stop();
  }
  return { ...window, failures: await run.done };
}

/** Sends exactly `amount` requests (paths from `path()`) with `connections` connections. */
export async function runAmount(
  server: ServerProcess,
  options: { path: () => string; amount: number; connections: number; timeoutSeconds: number },
): Promise<{ failures: number; seconds: number; timedOut: boolean }> {
  const t0 = process.hrtime.bigint();
  const run = start(server, { ...options, maxSeconds: options.timeoutSeconds + 5 });
  let timedOut = false;
  const guard = setTimeout(() => {
    timedOut = true;
    run.instance.stop();
  }, options.timeoutSeconds * 1000);
  try {
    const failures = await run.done;
    return { failures, seconds: Number(process.hrtime.bigint() - t0) / 1e9, timedOut };
  } finally {
    clearTimeout(guard);
  }
}
