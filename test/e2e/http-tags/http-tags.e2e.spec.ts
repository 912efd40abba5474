import { Controller, Get, Module, Param } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootApp, PLATFORMS } from '../helpers/platforms';

const calls = { findOne: 0, list: 0 };

@Controller('products')
class ProductsController {
  @Get(':id')
  @Cached({ ttl: '1m', tags: ['product:{params.id}', 'catalog'] })
  findOne(@Param('id') id: string) {
    calls.findOne++;
    return { id, calls: calls.findOne };
  }

  @Get()
  @Cached('1m')
  list() {
    calls.list++;
    return { calls: calls.list };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [ProductsController] })
class AppModule {}

describe.each(PLATFORMS)('tags on HTTP entries on %s', (platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  let cache: CacheService;

  beforeEach(async () => {
    calls.findOne = 0;
    calls.list = 0;
    ctx = await bootApp(platform, AppModule);
    cache = ctx.app.get(CacheService);
  });
  afterEach(() => ctx.app.close());

  /** X-Cache of GET /products/1, /products/2 and /products, in that order. */
  const labels = async () => {
    const out: string[] = [];
    for (const path of ['/products/1', '/products/2', '/products']) {
      out.push((await ctx.http().get(path).expect(200)).headers['x-cache']);
    }
    return out;
  };

  it('drops every entry of a handler by its implicit tag Controller.handler', async () => {
    expect(await labels()).toEqual(['MISS', 'MISS', 'MISS']);
    expect(await labels()).toEqual(['HIT', 'HIT', 'HIT']);
    await cache.invalidateTags('ProductsController.findOne');
    expect(await labels()).toEqual(['MISS', 'MISS', 'HIT']);
    const body = (await ctx.http().get('/products/1')).body;
    expect(body).toEqual({ id: '1', calls: 3 });
  });

  it('drops one entry by a tag templated from the request, and several by a static tag', async () => {
    await labels();
    await cache.invalidateTags('product:2');
    expect(await labels()).toEqual(['HIT', 'MISS', 'HIT']);
    await cache.invalidateTags(['catalog']);
    expect(await labels()).toEqual(['MISS', 'MISS', 'HIT']);
    expect(calls).toEqual({ findOne: 5, list: 1 });
  });
});
