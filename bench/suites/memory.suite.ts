import { runAmount } from '../harness/load-runner';
import { probe } from '../harness/probe';
import { RssSampler } from '../harness/rss-sampler';
import { ServerProcess } from '../harness/server-process';
import { NamedVariant } from '../harness/variant';
import type { MemoryResult } from '../report/results.types';
import { errorMessage, SuiteContext, variantsFor } from './suite-context';

/** URLs for a control variant (no cache): enough to show the framework's own growth levels off. */
const CONTROL_URLS = 100_000;

/** Warm-up requests, all on one URL, so the code is hot but the cache holds one entry. */
const WARMUP_REQUESTS = 5000;

async function xCache(server: ServerProcess, path: string): Promise<string> {
  const response = await probe(server.port, path);
  return `${response.status} ${String(response.headers['x-cache'] ?? 'no X-Cache')}`;
}

async function measure(ctx: SuiteContext, variant: NamedVariant): Promise<MemoryResult> {
  const { config } = ctx;
  const platform = config.memoryPlatform;
  // A fresh process of its own, with gc() exposed so baseline and final RSS follow a full GC.
  const server = await ServerProcess.start(variant, platform, {
    cpus: config.serverCpu,
    logDir: ctx.logDir,
    nodeFlags: ['--expose-gc', ...(variant.nodeFlags ?? []), ...config.serverNodeFlags],
  });
  try {
    const connections = config.connections;
    const startup = await server.stats(true);
    await runAmount(server, {
      path: () => '/item?u=0',
      amount: WARMUP_REQUESTS,
      connections,
      timeoutSeconds: 60,
    });
    const baseline = await server.stats(true);
    const sampler = new RssSampler(server.pid);
    let i = 0;
    const urls =
      variant.role === 'cache' ? config.memoryUrls : Math.min(CONTROL_URLS, config.memoryUrls);
    const secondsLeft = Math.max(30, (ctx.deadline - Date.now()) / 1000);
    const run = await runAmount(server, {
      path: () => `/item?u=${++i}`,
      amount: urls,
      connections,
      timeoutSeconds: Math.min(secondsLeft, urls / 1000 + 60),
    }).finally(() => sampler.stop());
    const final = await server.stats(true);
    return {
      platform,
      variant: variant.name,
      urls: i,
      seconds: run.seconds,
      failures: run.failures,
      timedOut: run.timedOut,
      startupRssBytes: startup.rssBytes,
      baselineRssBytes: baseline.rssBytes,
      peakRssBytes: Math.max(sampler.peak, final.rssBytes),
      finalRssBytes: final.rssBytes,
      finalHeapUsedBytes: final.heapUsedBytes,
      finalHeapTotalBytes: final.heapTotalBytes,
      finalExternalBytes: final.externalBytes,
      newestUrl: await xCache(server, `/item?u=${i}`),
      oldestUrl: await xCache(server, '/item?u=1'),
    };
  } finally {
    await server.stop();
  }
}

/** Streams `memoryUrls` distinct URLs through each `memory` variant and records its RSS. */
export async function runMemorySuite(ctx: SuiteContext): Promise<MemoryResult[]> {
  const results: MemoryResult[] = [];
  for (const variant of variantsFor(ctx, 'memory', ctx.config.memoryPlatform)) {
    ctx.log(`memory ${variant.name}: distinct URLs`);
    try {
      const result = await measure(ctx, variant);
      const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
      ctx.log(
        `  RSS ${mib(result.baselineRssBytes)} → peak ${mib(result.peakRssBytes)}, ` +
          `final ${mib(result.finalRssBytes)} in ${result.seconds.toFixed(0)} s`,
      );
      results.push(result);
    } catch (error) {
      ctx.log(`  memory ${variant.name} failed: ${errorMessage(error)}`);
      results.push({ ...emptyMemory(ctx, variant), error: errorMessage(error) });
    }
  }
  return results;
}

function emptyMemory(ctx: SuiteContext, variant: NamedVariant): MemoryResult {
  return {
    platform: ctx.config.memoryPlatform,
    variant: variant.name,
    urls: 0,
    seconds: 0,
    failures: 0,
    timedOut: false,
    startupRssBytes: 0,
    baselineRssBytes: 0,
    peakRssBytes: 0,
    finalRssBytes: 0,
    finalHeapUsedBytes: 0,
    finalHeapTotalBytes: 0,
    finalExternalBytes: 0,
    newestUrl: '',
    oldestUrl: '',
  };
}
