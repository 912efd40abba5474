import {
  Controller,
  Get,
  Header,
  HttpCode,
  Injectable,
  Module,
  Param,
  Post,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { Cached, CacheEvict, CacheModule, CacheService, CacheStats } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

@Injectable()
class Catalog {
  runs = 0;

  @Cached({ unless: (value: { id: string }) => value.id === 'skip' })
  async product(id: string): Promise<{ id: string } | undefined> {
    this.runs++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (id === 'boom') throw new Error('boom');
    if (id === 'none') return undefined;
    return { id };
  }

  @Cached()
  async fn(): Promise<unknown> {
    return { f: () => 1 };
  }

  @Cached()
  async neverCalled(): Promise<number> {
    return 1;
  }
}

@Controller('o')
class ObservedController {
  constructor(private readonly catalog: Catalog) {}

  @Get('plain/:id')
  @Cached()
  plain(@Param('id') id: string) {
    return { id };
  }

  @Get('created')
  @Cached()
  @HttpCode(201)
  created() {
    return { created: true };
  }

  @Get('cookie')
  @Cached()
  cookie(@Res({ passthrough: true }) res: { header(n: string, v: string): void }) {
    res.header('Set-Cookie', 'a=1');
    return { cookie: true };
  }

  @Get('no-store')
  @Cached()
  @Header('Cache-Control', 'no-cache')
  noStore() {
    return { noStore: true };
  }

  @Get('private')
  @Cached()
  @Header('Cache-Control', 'private')
  private() {
    return { private: true };
  }

  @Get('vary')
  @Cached()
  vary(@Res({ passthrough: true }) res: { header(n: string, v: string): void }) {
    res.header('Vary', 'X-Unkeyed');
    return { vary: true };
  }

  @Get('unless')
  @Cached({ unless: () => true })
  unless() {
    return { unless: true };
  }

  @Get('throws')
  @Cached()
  throws() {
    throw new Error('handler failed');
  }

  @Get('file')
  @Cached()
  file() {
    return new StreamableFile(Buffer.from('bytes'));
  }

  @Post('write')
  @CacheEvict({ keys: ['x'] })
  write() {
    return { written: true };
  }

  @Get('product/:id')
  product(@Param('id') id: string) {
    return this.catalog.product(id).catch(() => ({ failed: true }));
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [ObservedController],
  providers: [Catalog],
})
class AppModule {}

const route = (name: string) => `ObservedController.${name}`;

describe.each(PLATFORMS)('stats({ bySource: true }) on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let cache: CacheService;
  let catalog: Catalog;
  const sources = () => cache.stats({ bySource: true }).sources!;

  beforeAll(async () => {
    ctx = await bootApp(platform, AppModule);
    cache = ctx.app.get(CacheService);
    catalog = ctx.app.get(Catalog);
  });
  afterAll(() => ctx.app.close());

  it('lists every cached route and method at bootstrap, with their kind, before any traffic', () => {
    const all = sources();
    expect(all[route('plain')]).toMatchObject({ kind: 'http', hits: 0, misses: 0, sets: 0 });
    expect(all['Catalog.product']).toMatchObject({ kind: 'method', hits: 0 });
    expect(all['Catalog.neverCalled']).toMatchObject({ kind: 'method', hits: 0 });
    expect(all['CacheService']).toMatchObject({ kind: 'service' });
    // A route that is not cached has no counter.
    expect(Object.keys(all).filter((name) => name.endsWith('.product'))).toEqual([
      'Catalog.product',
    ]);
  });

  it('does not list a route that only evicts, even once requested', async () => {
    await ctx.http().post('/o/write').expect(201);
    expect(sources()[route('write')]).toBeUndefined();
  });

  it('keeps stats() without sources and counts each route apart', async () => {
    await ctx.http().get('/o/plain/1').expect(200);
    await ctx.http().get('/o/plain/1').expect(200).expect('X-Cache', 'HIT');
    await ctx.http().get('/o/plain/1').expect('X-Cache', 'HIT');
    await ctx.http().get('/o/plain/1').set('Authorization', 'Bearer x').expect('X-Cache', 'BYPASS');
    const plain: CacheStats = cache.stats();
    expect(plain.sources).toBeUndefined();
    expect(sources()[route('plain')]).toMatchObject({
      hits: 2,
      misses: 1,
      bypasses: 1,
      sets: 1,
      errors: 0,
    });
    expect(plain.hits).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['created', 'status', 201],
    ['cookie', 'cookie', 200],
    ['no-store', 'no_store', 200],
    ['private', 'private', 200],
    ['vary', 'vary', 200],
    ['unless', 'unless', 200],
    ['throws', 'error', 500],
    ['file', 'stream', 200],
  ])('counts why /o/%s was not stored (%s)', async (path, reason, status) => {
    const handler = path === 'no-store' ? 'noStore' : path;
    await ctx.http().get(`/o/${path}`).expect(status);
    await ctx.http().get(`/o/${path}`).expect(status);
    const counted = sources()[route(handler)];
    expect(counted.notStored[reason as keyof typeof counted.notStored]).toBe(2);
    expect(counted.sets).toBe(0);
    const others = Object.entries(counted.notStored).filter(([name]) => name !== reason);
    expect(others.every(([, value]) => value === 0)).toBe(true);
  });

  it('counts provider methods: hits, misses, joins and reasons not stored', async () => {
    catalog.runs = 0;
    await Promise.all([catalog.product('a'), catalog.product('a'), catalog.product('a')]);
    await catalog.product('a');
    await catalog.product('skip');
    await catalog.product('none');
    await expect(catalog.product('boom')).rejects.toThrow('boom');
    await catalog.fn();
    const product = sources()['Catalog.product'];
    expect(catalog.runs).toBe(4);
    expect(product).toMatchObject({ hits: 1, misses: 6, coalesced: 2, sets: 1 });
    expect(product.notStored).toMatchObject({ unless: 1, unserializable: 1, error: 1 });
    expect(sources()['Catalog.fn'].notStored.unserializable).toBe(1);
  });

  it("counts CacheService's own calls under CacheService", async () => {
    await cache.set('k', 1);
    await cache.get('k');
    await cache.get('absent');
    await cache.wrap('w', async () => 2);
    await cache.wrap('w', async () => 2);
    expect(sources()['CacheService']).toMatchObject({ hits: 2, misses: 2, sets: 2 });
  });
});
