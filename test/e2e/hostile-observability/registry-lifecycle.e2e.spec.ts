import { INestApplicationContext, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';

function appModule(namespace: string, registry: Registry, prefix = 'multi_') {
  @Module({
    imports: [CacheModule.forRoot({ namespace, metrics: { prometheus: { registry, prefix } } })],
  })
  class AppModule {}
  return AppModule;
}

/** `{labels} value` of one metric's samples. */
function samples(text: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    const at = line.lastIndexOf(' ');
    out[line.slice(name.length, at)] = Number(line.slice(at + 1));
  }
  return out;
}

const hits = (ns: string) =>
  `{namespace="${ns}",source="CacheService",kind="service",result="hit"}`;

async function traffic(app: INestApplicationContext, n: number) {
  const cache = app.get(CacheService);
  await cache.set('k', 1);
  for (let i = 0; i < n; i++) await cache.get('k');
}

describe('two caches (namespaces) on one custom registry and prefix, across their lifecycles', () => {
  it('each reports its own namespace; one closing leaves the other; the last removes them; a reboot starts afresh', async () => {
    const registry = new Registry();
    const a = await bootContext(appModule('a', registry));
    const b = await bootContext(appModule('b', registry));
    await traffic(a.app, 3);
    await traffic(b.app, 5);
    let lookups = samples(await registry.metrics(), 'multi_lookups_total');
    expect([lookups[hits('a')], lookups[hits('b')]]).toEqual([3, 5]);

    // A user resetting the registry (common between tests) does not lose the cumulative counts.
    registry.resetMetrics();
    lookups = samples(await registry.metrics(), 'multi_lookups_total');
    expect([lookups[hits('a')], lookups[hits('b')]]).toEqual([3, 5]);

    // Scrapes racing a shutdown neither throw nor report the closed cache afterwards.
    const scrapes = Promise.all([registry.metrics(), a.app.close(), registry.metrics()]);
    await expect(scrapes).resolves.toBeDefined();
    await traffic(b.app, 1);
    const text = await registry.metrics();
    lookups = samples(text, 'multi_lookups_total');
    expect([lookups[hits('a')], lookups[hits('b')]]).toEqual([undefined, 6]);
    expect(text).not.toContain('namespace="a"');
    expect(samples(text, 'multi_circuit_state')).toEqual({
      '{namespace="b",store="memoryStore"}': 0,
    });

    await b.app.close();
    expect(await registry.metrics()).not.toContain('multi_');
    expect(registry.getMetricsAsArray()).toEqual([]);

    const again = await bootContext(appModule('a', registry));
    try {
      await traffic(again.app, 2);
      lookups = samples(await registry.metrics(), 'multi_lookups_total');
      expect(lookups[hits('a')]).toBe(2);
    } finally {
      await again.app.close();
    }
  });

  it('two prefixes on one registry keep apart; JSON export agrees with the text', async () => {
    const registry = new Registry();
    const a = await bootContext(appModule('a', registry, 'one_'));
    const b = await bootContext(appModule('b', registry, 'two_'));
    try {
      await traffic(a.app, 2);
      await traffic(b.app, 4);
      const text = await registry.metrics();
      expect(samples(text, 'one_lookups_total')[hits('a')]).toBe(2);
      expect(samples(text, 'one_lookups_total')[hits('b')]).toBeUndefined();
      expect(samples(text, 'two_lookups_total')[hits('b')]).toBe(4);
      expect(samples(text, 'two_lookups_total')[hits('a')]).toBeUndefined();
      const json = await registry.getMetricsAsJSON();
      const two = json.find((metric) => metric.name === 'two_lookups_total')!;
      const hit = two.values.find((v) => v.labels.result === 'hit' && v.labels.namespace === 'b');
      expect(hit?.value).toBe(4);
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });
});
