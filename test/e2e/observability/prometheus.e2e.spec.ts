import { Controller, Get, Injectable, Module, Param, Req } from '@nestjs/common';
import { Registry } from 'prom-client';
import { Cached, CacheEvict, CacheModule, CacheService } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const SECRET_ID = 'product-7f3a91';
const USER = 'user-5c1d22';
const TAG = 'tag-9e8b77';

@Injectable()
class Prices {
  @Cached({ key: 'price:{0}', tags: [`${TAG}-{0}`] })
  async price(id: string): Promise<number> {
    return id.length;
  }

  @CacheEvict({ tags: [`${TAG}-{0}`] })
  async reprice(id: string): Promise<string> {
    return id;
  }
}

@Controller('p')
class PricesController {
  constructor(private readonly prices: Prices) {}

  @Get('items/:id')
  @Cached({ tags: [`${TAG}-{params.id}`] })
  item(@Param('id') id: string) {
    return { id };
  }

  @Get('mine')
  @Cached({ scope: 'user' })
  mine(@Req() req: { headers: Record<string, string> }) {
    return { user: req.headers['x-user'] };
  }

  @Get('price/:id')
  async price(@Param('id') id: string) {
    const price = await this.prices.price(id);
    await this.prices.reprice(id);
    return { price };
  }
}

function appModule(registry: Registry) {
  @Module({
    imports: [
      CacheModule.forRoot({
        namespace: 'shop',
        metrics: { prometheus: { registry, prefix: 'shop_cache_' } },
        userKey: (ctx) => ctx.switchToHttp().getRequest().headers['x-user'],
      }),
    ],
    controllers: [PricesController],
    providers: [Prices],
  })
  class AppModule {}
  return AppModule;
}

/** `name{labels} value` lines of one metric in the text exposition format. */
function samples(text: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const at = line.lastIndexOf(' ');
    out[line.slice(name.length, at)] = Number(line.slice(at + 1));
  }
  return out;
}

describe.each(PLATFORMS)('Prometheus metrics on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  const registry = new Registry();

  beforeAll(async () => {
    ctx = await bootApp(platform, appModule(registry));
  });
  afterAll(() => ctx.app.close());

  it('reports every cached source from bootstrap, at zero, before any traffic', async () => {
    const lookups = samples(await registry.metrics(), 'shop_cache_lookups_total');
    expect(
      lookups['{namespace="shop",source="PricesController.item",kind="http",result="hit"}'],
    ).toBe(0);
    expect(lookups['{namespace="shop",source="Prices.price",kind="method",result="miss"}']).toBe(0);
    const circuit = samples(await registry.metrics(), 'shop_cache_circuit_state');
    expect(circuit['{namespace="shop",store="memoryStore"}']).toBe(0);
  });

  it('fills the metrics at scrape time from the traffic', async () => {
    await ctx.http().get(`/p/items/${SECRET_ID}`).expect(200);
    await ctx.http().get(`/p/items/${SECRET_ID}`).expect('X-Cache', 'HIT');
    await ctx.http().get(`/p/items/${SECRET_ID}`).set('Authorization', 'x').expect(200);
    await ctx.http().get('/p/mine').set('x-user', USER).expect(200);
    await ctx.http().get(`/p/price/${SECRET_ID}`).expect(200);
    await ctx.app.get(CacheService).delete(`price:${SECRET_ID}`);
    const text = await registry.metrics();
    const lookups = samples(text, 'shop_cache_lookups_total');
    const item = (result: string) =>
      lookups[`{namespace="shop",source="PricesController.item",kind="http",result="${result}"}`];
    expect([item('hit'), item('miss'), item('bypass'), item('stale')]).toEqual([1, 1, 1, 0]);
    expect(samples(text, 'shop_cache_writes_total')).toMatchObject({
      '{namespace="shop",source="PricesController.item"}': 1,
      '{namespace="shop",source="PricesController.mine"}': 1,
      '{namespace="shop",source="Prices.price"}': 1,
    });
    const invalidations = samples(text, 'shop_cache_invalidations_total');
    expect(invalidations['{namespace="shop",kind="tag"}']).toBe(1);
    expect(invalidations['{namespace="shop",kind="key"}']).toBe(1);
    expect(text).toContain('# TYPE shop_cache_store_errors_total counter');
    expect(text).toContain('# TYPE shop_cache_circuit_state gauge');
  });

  it('never puts a key, a user or a tag value in a label', async () => {
    const text = await registry.metrics();
    for (const secret of [SECRET_ID, USER, TAG, 'price:', 'items']) {
      expect(text).not.toContain(secret);
    }
    const values = [...text.matchAll(/="([^"]*)"/g)].map((match) => match[1]);
    const allowed =
      /^(shop|memoryStore|http|method|service|hit|stale|miss|bypass|key|tag|clear|timeout|damaged|error|[A-Za-z]+(\.[A-Za-z]+)?)$/;
    expect(values.filter((value) => !allowed.test(value))).toEqual([]);
  });
});

describe('two applications on prom-client’s default registry', () => {
  it('share the metrics by namespace; each one’s series leave with it', async () => {
    const { register } = await import('prom-client');
    @Controller('a')
    class AController {
      @Get()
      @Cached()
      get() {
        return { a: true };
      }
    }
    @Module({
      imports: [CacheModule.forRoot({ namespace: 'first', metrics: { prometheus: true } })],
      controllers: [AController],
    })
    class FirstModule {}
    @Module({
      imports: [
        CacheModule.forRootAsync({
          useFactory: async () => ({ namespace: 'second', metrics: { prometheus: true } }),
        }),
      ],
      controllers: [AController],
    })
    class SecondModule {}
    const first = await bootApp('express', FirstModule);
    const second = await bootApp('fastify', SecondModule);
    try {
      await first.http().get('/a').expect(200);
      await second.http().get('/a').expect(200);
      await second.http().get('/a').expect('X-Cache', 'HIT');
      const both = samples(await register.metrics(), 'nestjs_cached_lookups_total');
      const hits = (ns: string) =>
        both[`{namespace="${ns}",source="AController.get",kind="http",result="hit"}`];
      expect([hits('first'), hits('second')]).toEqual([0, 1]);
      // A test suite's `register.clear()` between apps: the next app registers them again.
      register.clear();
      const third = await bootApp('express', FirstModule);
      await third.http().get('/a').expect(200);
      const again = samples(await register.metrics(), 'nestjs_cached_lookups_total');
      expect(again['{namespace="first",source="AController.get",kind="http",result="miss"}']).toBe(
        2,
      );
      await third.app.close();
      await first.app.close();
      const left = samples(await register.metrics(), 'nestjs_cached_lookups_total');
      expect(Object.keys(left).some((labels) => labels.includes('"first"'))).toBe(false);
      expect(Object.keys(left).some((labels) => labels.includes('"second"'))).toBe(true);
    } finally {
      await second.app.close();
    }
    expect(register.getSingleMetric('nestjs_cached_lookups_total')).toBeUndefined();
  });
});
