import { Controller, Get, HostParam, Module, Req, Type, VersioningType } from '@nestjs/common';
import { Cached, CacheModule, CacheService, memoryStore } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Issue #7, cases 4 and 5: requests that Nest routes to different handlers (host behind a proxy,
 * header / media-type versions of same-named controllers) never share an entry; identities come
 * from stable facts, so two apps with the same-named controller share entries.
 */
const { calls, count, reset } = counters();

@Controller({ host: 'a.example.com', path: 'invoices' })
class TenantAInvoicesController {
  @Get()
  @Cached()
  list() {
    count('a');
    return { tenant: 'a', invoices: ['A-1', 'A-2'] };
  }
}

@Controller({ host: 'b.example.com', path: 'invoices' })
class TenantBInvoicesController {
  @Get()
  @Cached()
  list() {
    count('b');
    return { tenant: 'b', invoices: ['B-1'] };
  }
}

@Controller({ host: ':tenant.example.com', path: 'reports' })
class ReportsController {
  @Get()
  @Cached()
  report(@HostParam('tenant') tenant: string) {
    count(`report:${tenant}`);
    return { tenant };
  }
}

@Controller({ host: ['a.example.com', 'b.example.com'], path: 'settings' })
class SettingsController {
  @Get()
  @Cached()
  settings(@Req() req: any) {
    count(`settings:${req.hostname}`);
    return { host: req.hostname };
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [
    TenantAInvoicesController,
    TenantBInvoicesController,
    ReportsController,
    SettingsController,
  ],
})
class HostsModule {}

/**
 * Fastify: Nest filters hosts in its router proxy, not with find-my-way host constraints, so two
 * controllers on one path with different static hosts fail at init ("Method 'GET' already declared
 * for route '/invoices'"). Only the `:tenant` host-param variant is possible there.
 */
@Module({ imports: [CacheModule.forRoot()], controllers: [ReportsController, SettingsController] })
class HostParamModule {}

const trustProxy = {
  fastify: { trustProxy: true },
  configure: (app: any, platform: Platform) => {
    if (platform === 'express') app.set('trust proxy', true);
  },
};

describe.each(PLATFORMS)('host routing behind a proxy (X-Forwarded-Host), on %s', (platform) => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe(
        platform,
        platform === 'express' ? HostsModule : HostParamModule,
        trustProxy,
      )),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  const via = (url: string, host: string) =>
    ctx.http().get(url).set('Host', 'proxy.internal').set('X-Forwarded-Host', host);

  it('@HostParam on :tenant.example.com: tenant b never gets tenant a’s body', async () => {
    const a = await via('/reports', 'a.example.com').expect(200);
    await via('/reports', 'a.example.com').expect(200);
    const b = await via('/reports', 'b.example.com').expect(200);
    expect(a.body).toEqual({ tenant: 'a' });
    expect(b.body).toEqual({ tenant: 'b' });
    expect(calls['report:b']).toBe(1);
  });

  it("a controller bound to a list of hosts: b.example.com never gets a.example.com's body", async () => {
    const a = await via('/settings', 'a.example.com').expect(200);
    await via('/settings', 'a.example.com').expect(200);
    const b = await via('/settings', 'b.example.com').expect(200);
    expect(a.body).toEqual({ host: 'a.example.com' });
    expect(b.body).toEqual({ host: 'b.example.com' });
    expect(calls['settings:b.example.com']).toBe(1);
  });

  it('each forwarded host hits its own entry after warming', async () => {
    await via('/reports?warm', 'a.example.com').expect(200);
    await via('/reports?warm', 'b.example.com').expect(200);
    const a = await via('/reports?warm', 'a.example.com').expect(200);
    const b = await via('/reports?warm', 'b.example.com').expect(200);
    expectXCache(a, 'HIT');
    expectXCache(b, 'HIT');
    expect(a.body).toEqual({ tenant: 'a' });
    expect(b.body).toEqual({ tenant: 'b' });
  });
});

// Fastify cannot declare two controllers on one path with different static hosts (Nest filters
// hosts in its router proxy), so this form exists on Express only.
describe('two host-bound controllers on one path behind a proxy, on express', () => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe('express', HostsModule, trustProxy)));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  const via = (url: string, host: string) =>
    ctx.http().get(url).set('Host', 'proxy.internal').set('X-Forwarded-Host', host);

  it("two host-bound controllers: tenant b never gets tenant a's body", async () => {
    const a = await via('/invoices', 'a.example.com').expect(200);
    const a2 = await via('/invoices', 'a.example.com').expect(200);
    const b = await via('/invoices', 'b.example.com').expect(200);
    expect(a.body.tenant).toBe('a');
    expect(a2.body.tenant).toBe('a');
    expect(b.body.tenant).toBe('b');
    expect(b.text).not.toContain('A-1');
    expect(calls.b).toBe(1);
  });
});

/** Two classes that share the name `ProductsController`, each in its own module. */
function productsModule(version?: string) {
  const label = version ?? 'default';
  @Controller(version ? { path: 'products', version } : { path: 'products' })
  class ProductsController {
    @Get()
    @Cached()
    findAll() {
      count(`v${label}`);
      return { version: label, products: [`p-v${label}`] };
    }
  }
  @Module({ controllers: [ProductsController] })
  class ProductsModule {}
  return { ProductsController, ProductsModule };
}

const V1 = productsModule('1');
const V2 = productsModule('2');

@Module({
  imports: [CacheModule.forRoot({ isGlobal: true }), V1.ProductsModule, V2.ProductsModule],
})
class VersionedModule {}

const VERSIONINGS: [string, object, (v: string) => Record<string, string>][] = [
  [
    'header versioning',
    { type: VersioningType.HEADER, header: 'X-API-Version' },
    (v) => ({ 'X-API-Version': v }),
  ],
  [
    'media-type versioning',
    { type: VersioningType.MEDIA_TYPE, key: 'v=' },
    (v) => ({ Accept: `application/json;v=${v}` }),
  ],
  [
    'custom versioning (extractor)',
    { type: VersioningType.CUSTOM, extractor: (req: any) => String(req.headers['x-v'] ?? '') },
    (v) => ({ 'x-v': v }),
  ],
];

describe.each(PLATFORMS)('same-named versioned controllers behind one URL, on %s', (platform) => {
  describe.each(VERSIONINGS)('%s', (_name, versioning, headersFor) => {
    let ctx: SafeApp;
    beforeAll(
      async () =>
        (ctx = await bootSafe(platform, VersionedModule, {
          configure: (app) => app.enableVersioning(versioning),
        })),
    );
    afterAll(() => ctx.app.close());
    beforeEach(reset);

    const get = (v: string, url = '/products') => ctx.http().get(url).set(headersFor(v));

    it('both classes are really named ProductsController', () => {
      expect(V1.ProductsController.name).toBe('ProductsController');
      expect(V2.ProductsController.name).toBe('ProductsController');
    });

    it("v2 never gets v1's body; each version hits its own entry after warming", async () => {
      const v1 = await get('1').expect(200);
      const v2 = await get('2').expect(200);
      expect(v1.body.version).toBe('1');
      expect(v2.body.version).toBe('2');
      const v1b = await get('1').expect(200);
      const v2b = await get('2').expect(200);
      expect(v1b.body.version).toBe('1');
      expect(v2b.body.version).toBe('2');
      expectXCache(v1b, 'HIT');
      expectXCache(v2b, 'HIT');
      expect(calls).toEqual({ v1: 1, v2: 1 });
    });

    it("invalidateTags('ProductsController.findAll') still names the implicit tag", async () => {
      await get('1', '/products?tag').expect(200);
      await get('2', '/products?tag').expect(200);
      expectXCache(await get('1', '/products?tag'), 'HIT');
      await ctx.app
        .get(CacheService, { strict: false })
        .invalidateTags('ProductsController.findAll');
      const v1 = await get('1', '/products?tag').expect(200);
      const v2 = await get('2', '/products?tag').expect(200);
      expectXCache(v1, 'MISS');
      expectXCache(v2, 'MISS');
      expect(v1.body.version).toBe('1');
      expect(v2.body.version).toBe('2');
    });
  });
});

const Unversioned = productsModule();

@Module({
  imports: [CacheModule.forRoot({ isGlobal: true }), Unversioned.ProductsModule, V2.ProductsModule],
})
class DefaultVersionModule {}

describe.each(PLATFORMS)('header versioning with a defaultVersion, on %s', (platform) => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe(platform, DefaultVersionModule, {
        configure: (app) =>
          app.enableVersioning({
            type: VersioningType.HEADER,
            header: 'X-API-Version',
            defaultVersion: '1',
          }),
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  // Nest gives the unversioned class the default version: X-API-Version: 1 reaches it (a request
  // without the header reaches neither class: 404).
  it('the unversioned class (version 1 by default) and the v2 class never share an entry', async () => {
    const get = (v: string) =>
      ctx.http().get('/products?default').set('X-API-Version', v).expect(200);
    const v1 = await get('1');
    const v2 = await get('2');
    const v1b = await get('1');
    const v2b = await get('2');
    expect([v1, v2, v1b, v2b].map((r) => r.body.version)).toEqual(['default', '2', 'default', '2']);
    expectXCache(v1b, 'HIT');
    expectXCache(v2b, 'HIT');
    expect(calls.v2).toBe(1);
  });
});

/** An app whose module and controller are new classes with the usual names. */
function catalogApp(store: unknown, label: string): Type<unknown> {
  @Controller('catalog')
  class ProductsController {
    @Get()
    @Cached()
    findAll() {
      count(`catalog:${label}`);
      return { servedBy: label };
    }
  }
  @Module({ imports: [CacheModule.forRoot({ store })], controllers: [ProductsController] })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('two apps, one store, same-named controller, on %s', (platform) => {
  let a: SafeApp;
  let b: SafeApp;
  beforeAll(async () => {
    const store = memoryStore();
    a = await bootSafe(platform, catalogApp(store, 'A'));
    b = await bootSafe(platform, catalogApp(store, 'B'));
  });
  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
  });
  beforeEach(reset);

  it('app B hits what app A stored', async () => {
    const missA = await a.http().get('/catalog').expect(200);
    const hitB = await b.http().get('/catalog').expect(200);
    expectXCache(missA, 'MISS');
    expectXCache(hitB, 'HIT', missA);
    expect(hitB.text).toBe(missA.text);
    expect(calls).toEqual({ 'catalog:A': 1 });
  });
});
