import { Controller, Get, Module, Param, Query } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { NestExpressApplication } from '@nestjs/platform-express';
import { bootApp, PLATFORMS } from '../helpers/platforms';

const calls = { findOne: 0, list: 0 };

@Controller('products')
class ProductsController {
  @Get(':id')
  @Cached('30s')
  findOne(@Param('id') id: string) {
    calls.findOne++;
    return { id, name: `product ${id}`, calls: calls.findOne };
  }

  @Get()
  @Cached({ vary: ['accept-language'] })
  list(@Query('page') page = '1') {
    calls.list++;
    return { page, calls: calls.list };
  }
}

@Module({ imports: [CacheModule.forRoot({ ttl: '1m' })], controllers: [ProductsController] })
class AppModule {}

describe('a hit on Express with `json spaces` set', () => {
  it('sends the same text as the miss', async () => {
    const ctx = await bootApp('express', AppModule, (app) =>
      (app as NestExpressApplication).set('json spaces', 2),
    );
    const first = await ctx.http().get('/products/spaced').expect(200);
    const second = await ctx.http().get('/products/spaced').expect(200);
    expect(first.text).toContain('\n  "id"');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.text).toBe(first.text);
    await ctx.app.close();
  });
});

describe.each(PLATFORMS)('basic HTTP caching on %s', (platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(async () => (ctx = await bootApp(platform, AppModule)));
  afterAll(() => ctx.app.close());
  beforeEach(() => {
    calls.findOne = 0;
    calls.list = 0;
  });

  it('serves the second request from the cache without running the handler', async () => {
    const first = await ctx.http().get(`/products/1-${platform}`).expect(200);
    const second = await ctx.http().get(`/products/1-${platform}`).expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers['age']).toBe('0');
    expect(second.body).toEqual(first.body);
    expect(second.text).toBe(first.text);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['content-length']).toBe(first.headers['content-length']);
    expect(calls.findOne).toBe(1);
  });

  it('treats query order as irrelevant and vary headers as part of the key', async () => {
    await ctx.http().get(`/products?page=2&sort=${platform}`).expect(200);
    const reordered = await ctx.http().get(`/products?sort=${platform}&page=2`);
    expect(reordered.headers['x-cache']).toBe('HIT');
    const french = await ctx
      .http()
      .get(`/products?page=2&sort=${platform}`)
      .set('accept-language', 'fr');
    expect(french.headers['x-cache']).toBe('MISS');
    expect(calls.list).toBe(2);
  });
});
