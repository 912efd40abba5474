import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServerProcess } from '../harness/server-process';
import { stampede } from '../harness/stampede-client';
import type { StampedeCase } from '../report/results.types';
import { errorMessage, pastDeadline, rotate, SuiteContext, variantsFor } from './suite-context';

const SETTLE_MS = 200;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `stampedeRequests` concurrent requests on a URL no one asked for before, once per round per
 * variant; the handler executions they caused are read from the server.
 */
export async function runStampedeSuite(ctx: SuiteContext): Promise<StampedeCase[]> {
  const cases: StampedeCase[] = [];
  const entries = ctx.config.platforms.flatMap((platform) =>
    variantsFor(ctx, 'stampede', platform).map((variant) => {
      const c: StampedeCase = { platform, variant: variant.name, rounds: [], errors: [] };
      cases.push(c);
      return { c, variant };
    }),
  );
  for (let round = 0; round < ctx.config.rounds && !pastDeadline(ctx); round++) {
    for (const { c, variant } of rotate(entries, round)) {
      try {
        const server = await ctx.pool.get(variant, c.platform);
        const before = await server.stats();
        const path = `/item?stampede=${round}-${process.hrtime.bigint()}`;
        const result = await stampede(server.port, path, ctx.config.stampedeRequests);
        // Let writes that run after the response (a cache set) finish before counting.
        await sleep(SETTLE_MS);
        const after = await server.stats();
        const executions = after.executions - before.executions;
        c.rounds.push({ ...result, executions });
        ctx.log(
          `  stampede ${c.platform} ${variant.name}: ${executions} executions, ` +
            `${result.ok}/${result.sent} ok, X-Cache ${JSON.stringify(result.xCache)}`,
        );
      } catch (error) {
        c.errors.push(`round ${round + 1}: ${errorMessage(error)}`);
      }
    }
  }
  if (process.env.REDIS_URL) cases.push(...(await runFleetStampede(ctx)));
  return cases;
}

/** Variants sharing one Redis that the fleet case compares (those discovered and not skipped). */
const FLEET_VARIANTS = ['redis-remote', 'redis-locked', 'cache-manager-redis'];
const FLEET_SIZE = 3;

/**
 * `stampedeRequests` concurrent cold requests spread over 3 server processes of one variant on one
 * Redis: the handler runs of the whole fleet (1 with distributedLock, one per process or more
 * without).
 */
async function runFleetStampede(ctx: SuiteContext): Promise<StampedeCase[]> {
  const platform = ctx.config.platforms[0];
  const cases: StampedeCase[] = [];
  for (const variant of ctx.variants.filter((v) => FLEET_VARIANTS.includes(v.name))) {
    const c: StampedeCase = {
      platform,
      variant: `${variant.name} x${FLEET_SIZE} processes`,
      rounds: [],
      errors: [],
    };
    cases.push(c);
    const servers: ServerProcess[] = [];
    try {
      for (let i = 0; i < FLEET_SIZE; i++) {
        const logDir = path.join(ctx.logDir, `fleet-${i}`);
        fs.mkdirSync(logDir, { recursive: true });
        servers.push(
          await ServerProcess.start(variant, platform, { cpus: ctx.config.serverCpu, logDir }),
        );
      }
      for (let round = 0; round < ctx.config.rounds && !pastDeadline(ctx); round++) {
        const before = await Promise.all(servers.map((s) => s.stats()));
        const p = `/item?fleet=${round}-${process.hrtime.bigint()}`;
        const share = Math.ceil(ctx.config.stampedeRequests / FLEET_SIZE);
        const results = await Promise.all(servers.map((s) => stampede(s.port, p, share)));
        await sleep(SETTLE_MS);
        const after = await Promise.all(servers.map((s) => s.stats()));
        const executions = after.reduce((n, a, i) => n + a.executions - before[i].executions, 0);
        const xCache: Record<string, number> = {};
        for (const r of results) {
          for (const [k, v] of Object.entries(r.xCache)) xCache[k] = (xCache[k] ?? 0) + v;
        }
        const sum = (f: (r: (typeof results)[0]) => number) =>
          results.reduce((n, r) => n + f(r), 0);
        const seconds = Math.max(...results.map((r) => r.seconds));
        c.rounds.push({
          sent: sum((r) => r.sent),
          ok: sum((r) => r.ok),
          xCache,
          seconds,
          executions,
        });
        ctx.log(
          `  fleet stampede ${c.variant}: ${executions} executions, X-Cache ${JSON.stringify(xCache)}`,
        );
      }
    } catch (error) {
      c.errors.push(errorMessage(error));
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  }
  return cases;
}
