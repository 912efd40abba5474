import { Agent, request } from 'node:http';

export interface LoadResult {
  sent: number;
  failed: number;
  slowestMs: number;
  statuses: Record<number, number>;
  /** Every request's start (ms, `performance.now()`) and duration. */
  timings: { startedAt: number; ms: number }[];
}

/** The slowest response among requests started at or after `since` (`performance.now()`). */
export function slowestSince(result: LoadResult, since: number): number {
  return result.timings.reduce((max, t) => (t.startedAt >= since ? Math.max(max, t.ms) : max), 0);
}

/**
 * Sends `total` GETs to `url(i)` with `concurrency` in flight, over keep-alive connections, and
 * records failures (network errors, non-2xx) and the slowest response. `onProgress(done)` lets a
 * test inject a fault at a given point.
 */
export async function load(
  url: (i: number) => string,
  total: number,
  concurrency: number,
  onProgress?: (done: number) => void | Promise<void>,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const result: LoadResult = { sent: 0, failed: 0, slowestMs: 0, statuses: {}, timings: [] };
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      result.sent++;
      const started = performance.now();
      const status = await get(url(i), agent).catch(() => 0);
      const ms = performance.now() - started;
      result.slowestMs = Math.max(result.slowestMs, ms);
      result.timings.push({ startedAt: started, ms });
      result.statuses[status] = (result.statuses[status] ?? 0) + 1;
      if (status < 200 || status >= 300) result.failed++;
      await onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return result;
}

function get(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
