import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Module,
  NotFoundException,
  Param,
  Patch,
  Post,
  Put,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Cached, CacheEvict, CacheModule, CachePut } from 'nestjs-cached';
import { bootApp, PLATFORMS } from '../helpers/platforms';

const db = new Map<string, string>();
const calls = { findOne: 0, replace: 0 };

type StatusSetter = { status(code: number): unknown };

@Controller('products')
class ProductsController {
  @Get(':id')
  @Cached({ key: 'product:{params.id}', tags: ['product:{params.id}'] })
  findOne(@Param('id') id: string) {
    calls.findOne++;
    return { id, name: db.get(id) ?? `product ${id}` };
  }

  @Put(':id')
  @CacheEvict({ keys: ['product:{params.id}'] })
  update(@Param('id') id: string, @Body() body: { name: string }) {
    if (body.name === '') throw new NotFoundException();
    db.set(id, body.name);
    return { id, name: body.name };
  }

  @Put(':id/conflict')
  @CacheEvict({ keys: ['product:{params.id}'] })
  conflict(@Param('id') id: string, @Res({ passthrough: true }) res: StatusSetter) {
    db.set(id, 'conflicting');
    res.status(409);
    return { id, error: 'conflict' };
  }

  @Post(':id/archive')
  @HttpCode(204)
  @CacheEvict({ tags: ['product:{params.id}'] })
  archive(@Param('id') id: string) {
    db.set(id, 'archived');
  }

  @Post(':id/refresh')
  @CacheEvict({ keys: ['product:{params.id}'], before: true })
  refresh() {
    throw new ServiceUnavailableException();
  }

  @Delete()
  @CacheEvict({ all: true })
  clear() {
    db.clear();
    return { cleared: true };
  }

  @Patch(':id')
  @CachePut({ key: 'product:{params.id}' })
  replace(@Param('id') id: string, @Body() body: { name: string }) {
    calls.replace++;
    db.set(id, body.name);
    return { id, name: body.name };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [ProductsController] })
class AppModule {}

describe.each(PLATFORMS)('@CachePut and @CacheEvict on handlers on %s', (platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;

  beforeEach(async () => {
    db.clear();
    calls.findOne = 0;
    calls.replace = 0;
    ctx = await bootApp(platform, AppModule);
  });
  afterEach(() => ctx.app.close());

  const get = async (id: string) => {
    const res = await ctx.http().get(`/products/${id}`).expect(200);
    return { label: res.headers['x-cache'], name: res.body.name };
  };

  it('PUT evicts the key its {params.id} template names, after a 2xx response', async () => {
    await get('1');
    await get('2');
    await ctx.http().put('/products/1').send({ name: 'renamed' }).expect(200);
    expect(await get('1')).toEqual({ label: 'MISS', name: 'renamed' });
    expect(await get('2')).toEqual({ label: 'HIT', name: 'product 2' });
  });

  it('evicts nothing when the handler throws', async () => {
    await get('1');
    await ctx.http().put('/products/1').send({ name: '' }).expect(404);
    expect(await get('1')).toEqual({ label: 'HIT', name: 'product 1' });
  });

  it('evicts nothing when the handler answers 4xx without throwing', async () => {
    await get('1');
    await ctx.http().put('/products/1/conflict').expect(409);
    expect(await get('1')).toEqual({ label: 'HIT', name: 'product 1' });
  });

  it('evicts by a templated tag after a 204', async () => {
    await get('1');
    await ctx.http().post('/products/1/archive').expect(204);
    expect(await get('1')).toEqual({ label: 'MISS', name: 'archived' });
  });

  it('with before: true, evicts even though the handler then throws', async () => {
    await get('1');
    await ctx.http().post('/products/1/refresh').expect(503);
    expect((await get('1')).label).toBe('MISS');
    expect(calls.findOne).toBe(2);
  });

  it('all: true clears every entry', async () => {
    await get('1');
    await get('2');
    await ctx.http().delete('/products').expect(200);
    expect((await get('1')).label).toBe('MISS');
    expect((await get('2')).label).toBe('MISS');
  });

  it('PATCH with @CachePut always runs, and a later GET is served its value without running', async () => {
    await ctx.http().patch('/products/7').send({ name: 'first' }).expect(200);
    await ctx.http().patch('/products/7').send({ name: 'put' }).expect(200);
    expect(calls.replace).toBe(2);
    const res = await ctx.http().get('/products/7').expect(200);
    expect(res.headers['x-cache']).toBe('HIT');
    expect(res.body).toEqual({ id: '7', name: 'put' });
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(calls.findOne).toBe(0);
  });

  it('@CachePut replaces what GET already cached', async () => {
    await get('8');
    await ctx.http().patch('/products/8').send({ name: 'replaced' }).expect(200);
    expect(await get('8')).toEqual({ label: 'HIT', name: 'replaced' });
    expect(calls.findOne).toBe(1);
  });
});
