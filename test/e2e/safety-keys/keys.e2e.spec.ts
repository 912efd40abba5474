import { Controller, Get, Module, Param, Query } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Issue #7, case 8: a template renders strings and finite numbers as plain text (so
 * `CacheService.delete('list:1')` names what `{params.id}` wrote); arrays, objects and absent values
 * are encoded so that no two requests render alike.
 */
const { calls, count, reset } = counters();

@Controller()
class KeysController {
  @Get('search')
  @Cached({ key: 'search:{query.color}' })
  search(@Query('color') color: unknown) {
    count('search');
    return { color: color === undefined ? '<absent>' : color };
  }

  @Get('search-empty')
  @Cached({ key: 'search-empty:{query.color}' })
  searchEmpty(@Query('color') color: unknown) {
    count('searchEmpty');
    return { color: color === undefined ? '<absent>' : color };
  }

  @Get('pair/:a/:b')
  @Cached({ key: 'pair:{params.a}:{params.b}' })
  pair(@Param('a') a: string, @Param('b') b: string) {
    count('pair');
    return { a, b };
  }

  @Get('lists/:id')
  @Cached({ key: 'list:{params.id}' })
  list(@Param('id') id: string) {
    count('list');
    return { id, n: calls.list };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [KeysController] })
class KeysModule {}

describe.each(PLATFORMS)('unambiguous key templates, on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, KeysModule)));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('?color=red&color=blue and ?color=["red","blue"] do not share an entry', async () => {
    const repeated = await ctx.http().get('/search?color=red&color=blue').expect(200);
    expect(repeated.body.color).toEqual(['red', 'blue']);
    const json = encodeURIComponent('["red","blue"]');
    const literal = await ctx.http().get(`/search?color=${json}`).expect(200);
    expect(literal.body.color).toBe('["red","blue"]');
    expect(literal.headers['x-cache']).not.toBe('HIT');
    expect(calls.search).toBe(2);
    // each still hits its own entry
    const repeatedAgain = await ctx.http().get('/search?color=red&color=blue').expect(200);
    expect(repeatedAgain.body.color).toEqual(['red', 'blue']);
  });

  it('...in the other order too', async () => {
    const literal = await ctx
      .http()
      .get(`/search?color=${encodeURIComponent('["green","gold"]')}`)
      .expect(200);
    const repeated = await ctx.http().get('/search?color=green&color=gold').expect(200);
    expect(literal.body.color).toBe('["green","gold"]');
    expect(repeated.body.color).toEqual(['green', 'gold']);
    expect(calls.search).toBe(2);
  });

  it('an absent parameter and an empty one do not share an entry', async () => {
    const absent = await ctx.http().get('/search-empty').expect(200);
    const empty = await ctx.http().get('/search-empty?color=').expect(200);
    expect(absent.body.color).toBe('<absent>');
    expect(empty.body.color).toBe('');
    expect(empty.headers['x-cache']).not.toBe('HIT');
    expect(calls.searchEmpty).toBe(2);
    const absentAgain = await ctx.http().get('/search-empty').expect(200);
    expect(absentAgain.body.color).toBe('<absent>');
  });

  it("values holding the key's reserved characters never render alike (x:y + z vs x + y:z)", async () => {
    const first = await ctx.http().get('/pair/x%3Ay/z').expect(200);
    const second = await ctx.http().get('/pair/x/y%3Az').expect(200);
    expect(first.body).toEqual({ a: 'x:y', b: 'z' });
    expect(second.body).toEqual({ a: 'x', b: 'y:z' });
    expect(second.headers['x-cache']).not.toBe('HIT');
    expect(calls.pair).toBe(2);
  });

  it("CacheService.delete('list:1') evicts what 'list:{params.id}' wrote at /lists/1", async () => {
    const miss = await ctx.http().get('/lists/1').expect(200);
    const hit = await ctx.http().get('/lists/1').expect(200);
    expectXCache(miss, 'MISS');
    expectXCache(hit, 'HIT', miss);
    await ctx.app.get(CacheService, { strict: false }).delete('list:1');
    const after = await ctx.http().get('/lists/1').expect(200);
    expectXCache(after, 'MISS');
    expect(after.body).toEqual({ id: '1', n: 2 });
    expect(calls.list).toBe(2);
  });
});
