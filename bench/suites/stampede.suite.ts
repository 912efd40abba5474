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
  return cases;
}
