import { PAYLOAD } from '../app/workload';
import { runWindow } from '../harness/load-runner';
import { expectResponse } from '../harness/probe';
import { NamedVariant, Platform } from '../harness/variant';
import type { HttpCase } from '../report/results.types';
import { errorMessage, pastDeadline, rotate, SuiteContext, variantsFor } from './suite-context';

const BODY = JSON.stringify(PAYLOAD);
let missCounter = 0;
const nextMissPath = (): string => `/item?n=${++missCounter}`;

/** Before any measurement: the route answers the payload, and a cache says HIT / MISS as expected. */
async function check(ctx: SuiteContext, c: HttpCase, variant: NamedVariant): Promise<void> {
  const server = await ctx.pool.get(variant, c.platform);
  const name = variant.cacheHeader;
  if (c.scenario === 'hit') {
    await expectResponse(server.port, '/item', BODY);
    // A remote store (Redis) may finish the first request's write just after its response.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expectResponse(server.port, '/item', BODY, name ? { name, expected: 'HIT' } : undefined);
  } else {
    const path = `/item?n=check-${++missCounter}`;
    await expectResponse(server.port, path, BODY, name ? { name, expected: 'MISS' } : undefined);
  }
}

async function measure(
  ctx: SuiteContext,
  c: HttpCase,
  variant: NamedVariant,
  round: number,
): Promise<void> {
  const { config } = ctx;
  const server = await ctx.pool.get(variant, c.platform);
  const result = await runWindow(server, {
    path: c.scenario === 'hit' ? '/item' : nextMissPath,
    connections: config.connections,
    warmupSeconds: round === 0 ? config.firstWarmupSeconds : config.warmupSeconds,
    seconds: config.seconds,
    serverCpu: config.serverCpu,
  });
  c.rounds.push({ ...result, round });
  ctx.log(
    `  ${c.platform} ${c.scenario} ${variant.name}: ${result.cpuMicrosPerResponse.toFixed(1)} µs/resp, ` +
      `${Math.round(result.reqPerSec)} req/s, server ${(result.serverUtilisation * 100).toFixed(0)}% ` +
      `of its CPU, others ${(result.foreignLoad * 100).toFixed(0)}%` +
      (result.failures ? `, ${result.failures} failures` : ''),
  );
}

/**
 * Hit and miss scenarios: every case (platform × scenario × variant) once per round, rounds
 * repeated, each round starting one case further along so no variant always runs first.
 */
export async function runHttpSuite(ctx: SuiteContext): Promise<HttpCase[]> {
  const cases: { c: HttpCase; variant: NamedVariant }[] = [];
  for (const platform of ctx.config.platforms as Platform[]) {
    for (const scenario of ['hit', 'miss'] as const) {
      for (const variant of variantsFor(ctx, scenario, platform)) {
        cases.push({
          c: { platform, scenario, variant: variant.name, rounds: [], errors: [] },
          variant,
        });
      }
    }
  }
  const runnable: typeof cases = [];
  for (const item of cases) {
    try {
      await check(ctx, item.c, item.variant);
      runnable.push(item);
    } catch (error) {
      item.c.errors.push(`check failed: ${errorMessage(error)}`);
      ctx.log(
        `  skip ${item.c.platform} ${item.c.scenario} ${item.variant.name}: ${errorMessage(error)}`,
      );
    }
  }
  for (let round = 0; round < ctx.config.rounds && !pastDeadline(ctx); round++) {
    ctx.log(`http round ${round + 1}/${ctx.config.rounds}`);
    for (const { c, variant } of rotate(runnable, round)) {
      if (pastDeadline(ctx)) break;
      try {
        await measure(ctx, c, variant, round);
      } catch (error) {
        c.errors.push(`round ${round + 1}: ${errorMessage(error)}`);
        ctx.log(`  ${c.platform} ${c.scenario} ${variant.name} failed: ${errorMessage(error)}`);
      }
    }
  }
  return cases.map((item) => item.c);
}
