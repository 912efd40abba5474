import { Controller, ExecutionContext, Get, Module, Param, Query, UseGuards } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { FakeAuthGuard } from '../helpers/fake-auth.guard';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

@Controller('keys')
class KeysController {
  @Get('default')
  @Cached()
  byDefault(@Query() query: unknown) {
    return { query, calls: count('default') };
  }

  @Get('default/:id')
  @Cached()
  byPath(@Param('id') id: string) {
    return { id, calls: count('path') };
  }

  @Get('vary')
  @Cached({ vary: ['Accept-Language'] })
  vary() {
    return { calls: count('vary') };
  }

  @Get('params/:id')
  @Cached({ key: 'product:{params.id}' })
  params(@Param('id') id: string) {
    return { id, calls: count('params') };
  }

  @Get('query')
  @Cached({ key: 'page:{query.page}' })
  query(@Query('page') page: string) {
    return { page, calls: count('query') };
  }

  @Get('headers')
  @Cached({ key: 'tenant:{headers.x-tenant}' })
  headers() {
    return { calls: count('headers') };
  }

  @Get('user')
  @UseGuards(FakeAuthGuard)
  @Cached({ key: 'me:{user.id}', scope: 'public' })
  user() {
    return { calls: count('user') };
  }

  @Get('function/:id')
  @Cached({ key: (ctx: ExecutionContext) => `fn:${ctx.switchToHttp().getRequest().params.id}` })
  fn(@Param('id') id: string) {
    return { id, calls: count('fn') };
  }

  @Get('long')
  @Cached()
  long(@Query('q') q: string) {
    return { q, calls: count('long') };
  }

  @Get('long-template/:id')
  @Cached({ key: `${'x'.repeat(250)}:{params.id}` })
  longTemplate(@Param('id') id: string) {
    return { id, calls: count('longTemplate') };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [KeysController] })
class AppModule {}

describe.each(PLATFORMS)('cache keys on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(async () => (ctx = await bootApp(platform, AppModule)));
  afterAll(() => ctx.app.close());
  beforeEach(() => Object.keys(calls).forEach((k) => delete calls[k]));
  const label = async (url: string, headers: Record<string, string> = {}) =>
    (await ctx.http().get(url).set(headers).expect(200)).headers['x-cache'];

  describe('default key', () => {
    it('sorts query parameters by name', async () => {
      expect(await label('/keys/default?a=1&b=2')).toBe('MISS');
      expect(await label('/keys/default?b=2&a=1')).toBe('HIT');
      expect(calls.default).toBe(1);
    });

    it('keeps repeated parameters in their order: ?t=1&t=2 is not ?t=2&t=1', async () => {
      const first = await ctx.http().get('/keys/default?t=1&t=2').expect(200);
      const second = await ctx.http().get('/keys/default?t=2&t=1').expect(200);
      expect(first.headers['x-cache']).toBe('MISS');
      expect(second.headers['x-cache']).toBe('MISS');
      expect(first.body.query).toEqual({ t: ['1', '2'] });
      expect(second.body.query).toEqual({ t: ['2', '1'] });
      expect(await label('/keys/default?t=2&t=1')).toBe('HIT');
      expect(await label('/keys/default?t=1&z=0&t=2')).toBe('MISS');
      expect(await label('/keys/default?z=0&t=1&t=2')).toBe('HIT');
    });

    it('tells paths, queries and their absence apart', async () => {
      expect(await label('/keys/default/1')).toBe('MISS');
      expect(await label('/keys/default/2')).toBe('MISS');
      expect(await label('/keys/default/1')).toBe('HIT');
      expect(await label('/keys/default?a')).toBe('MISS');
      expect(await label('/keys/default?a=')).toBe('MISS');
      expect(await label('/keys/default?a=1')).toBe('MISS');
      expect(await label('/keys/default?a=1%26b%3D2')).toBe('MISS');
      expect(await label('/keys/default?a=1&b=3')).toBe('MISS');
      expect(calls.path).toBe(2);
    });

    it('adds vary header values, telling an absent header from an empty one', async () => {
      expect(await label('/keys/vary')).toBe('MISS');
      expect(await label('/keys/vary', { 'accept-language': '' })).toBe('MISS');
      expect(await label('/keys/vary', { 'accept-language': 'fr' })).toBe('MISS');
      expect(await label('/keys/vary', { 'Accept-Language': 'fr' })).toBe('HIT');
      expect(await label('/keys/vary', { 'accept-language': '' })).toBe('HIT');
      expect(await label('/keys/vary')).toBe('HIT');
      expect(calls.vary).toBe(3);
    });
  });

  describe('templates', () => {
    it('{params.id}', async () => {
      expect(await label('/keys/params/1?utm=x')).toBe('MISS');
      expect(await label('/keys/params/1?utm=y')).toBe('HIT');
      expect(await label('/keys/params/2')).toBe('MISS');
      expect(calls.params).toBe(2);
    });

    it('{query.page}', async () => {
      expect(await label('/keys/query?page=1&utm=x')).toBe('MISS');
      expect(await label('/keys/query?utm=y&page=1')).toBe('HIT');
      expect(await label('/keys/query?page=2')).toBe('MISS');
      expect(calls.query).toBe(2);
    });

    it('{headers.x-tenant}', async () => {
      expect(await label('/keys/headers', { 'x-tenant': 'acme' })).toBe('MISS');
      expect(await label('/keys/headers?other=1', { 'X-Tenant': 'acme' })).toBe('HIT');
      expect(await label('/keys/headers', { 'x-tenant': 'globex' })).toBe('MISS');
      expect(calls.headers).toBe(2);
    });

    it('{user.id}', async () => {
      const a = await ctx.http().get('/keys/user').set('x-user', 'a').expect(200);
      const a2 = await ctx.http().get('/keys/user?x=1').set('x-user', 'a').expect(200);
      const b = await ctx.http().get('/keys/user').set('x-user', 'b').expect(200);
      expect([a.headers['x-cache'], a2.headers['x-cache'], b.headers['x-cache']]).toEqual([
        'MISS',
        'HIT',
        'MISS',
      ]);
      expect(calls.user).toBe(2);
    });
  });

  it('a key function receives the ExecutionContext', async () => {
    expect(await label('/keys/function/1?a=1')).toBe('MISS');
    const hit = await ctx.http().get('/keys/function/1?a=2').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual({ id: '1', calls: 1 });
  });

  describe('long keys (over 200 characters)', () => {
    const long = (suffix: string) => `/keys/long?q=${'a'.repeat(300)}${suffix}`;

    it('are cached', async () => {
      expect(await label(long('1'))).toBe('MISS');
      const hit = await ctx.http().get(long('1')).expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.body.q).toBe(`${'a'.repeat(300)}1`);
    });

    it('of distinct URLs never share an entry', async () => {
      const one = await ctx.http().get(long('x')).expect(200);
      const two = await ctx.http().get(long('y')).expect(200);
      expect(one.headers['x-cache']).toBe('MISS');
      expect(two.headers['x-cache']).toBe('MISS');
      expect(one.body.q.endsWith('x')).toBe(true);
      expect(two.body.q.endsWith('y')).toBe(true);
      expect((await ctx.http().get(long('y')).expect(200)).body.q.endsWith('y')).toBe(true);
      expect((await ctx.http().get(long('x')).expect(200)).body.q.endsWith('x')).toBe(true);
    });

    it('from a long template are cached per value', async () => {
      expect(await label('/keys/long-template/1')).toBe('MISS');
      expect(await label('/keys/long-template/2')).toBe('MISS');
      const hit = await ctx.http().get('/keys/long-template/1').expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.body.id).toBe('1');
    });
  });
});
