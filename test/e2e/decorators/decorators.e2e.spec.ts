import { All, Controller, Get, Module, Param, Post, Put } from '@nestjs/common';
import {
  Cached,
  CacheConfigError,
  CacheErrorCode,
  CacheModule,
  CacheService,
  NoCache,
} from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

@Controller('signatures')
class SignaturesController {
  @Get('none')
  @Cached()
  none() {
    return { calls: count('none') };
  }

  @Get('ttl')
  @Cached('100ms')
  ttl() {
    return { calls: count('ttl') };
  }

  @Get('ttl-key/:id')
  @Cached('1m', 'item:{params.id}')
  ttlKey(@Param('id') id: string) {
    return { id, calls: count('ttlKey') };
  }

  @Get('options/:id')
  @Cached({ ttl: 100, key: (ctx) => `opt:${ctx.switchToHttp().getRequest().params.id}` })
  options(@Param('id') id: string) {
    return { id, calls: count('options') };
  }
}

@Cached('1m')
@Controller('reports')
class ReportsController {
  @Get()
  list() {
    return { calls: count('list') };
  }

  @Get('random')
  @NoCache()
  random() {
    return { calls: count('random') };
  }

  @Post()
  create() {
    return { calls: count('create') };
  }

  @Put(':id')
  update() {
    return { calls: count('update') };
  }
}

@Module({
  imports: [CacheModule.forRoot({ ttl: '1m' })],
  controllers: [SignaturesController, ReportsController],
})
class AppModule {}

describe.each(PLATFORMS)('@Cached and @NoCache on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(async () => (ctx = await bootApp(platform, AppModule)));
  afterAll(() => ctx.app.close());
  beforeEach(() => Object.keys(calls).forEach((k) => delete calls[k]));

  it('@Cached() caches with the module ttl and the default key', async () => {
    const first = await ctx.http().get('/signatures/none').expect(200);
    const second = await ctx.http().get('/signatures/none').expect(200);
    const other = await ctx.http().get('/signatures/none?page=2').expect(200);
    expect([first.headers['x-cache'], second.headers['x-cache']]).toEqual(['MISS', 'HIT']);
    expect(other.headers['x-cache']).toBe('MISS');
    expect(second.body).toEqual({ calls: 1 });
    expect(calls.none).toBe(2);
  });

  it('@Cached(ttl) expires after its ttl', async () => {
    await ctx.http().get('/signatures/ttl').expect(200);
    expect((await ctx.http().get('/signatures/ttl')).headers['x-cache']).toBe('HIT');
    await sleep(200);
    const expired = await ctx.http().get('/signatures/ttl').expect(200);
    expect(expired.headers['x-cache']).toBe('MISS');
    expect(expired.body).toEqual({ calls: 2 });
  });

  it('@Cached(ttl, key) uses the key template', async () => {
    await ctx.http().get('/signatures/ttl-key/7?utm=a').expect(200);
    const sameKey = await ctx.http().get('/signatures/ttl-key/7?utm=b').expect(200);
    const otherKey = await ctx.http().get('/signatures/ttl-key/8').expect(200);
    expect(sameKey.headers['x-cache']).toBe('HIT');
    expect(sameKey.body).toEqual({ id: '7', calls: 1 });
    expect(otherKey.headers['x-cache']).toBe('MISS');
    expect(calls.ttlKey).toBe(2);
  });

  it('@Cached(options) uses its ttl and key function', async () => {
    await ctx.http().get('/signatures/options/1?x=1').expect(200);
    const hit = await ctx.http().get('/signatures/options/1?x=2').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    await sleep(200);
    expect((await ctx.http().get('/signatures/options/1')).headers['x-cache']).toBe('MISS');
    expect(calls.options).toBe(2);
  });

  it('class-level @Cached caches every GET handler', async () => {
    await ctx.http().get('/reports').expect(200);
    const hit = await ctx.http().get('/reports').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual({ calls: 1 });
  });

  it('@NoCache opts a handler out of the class-level @Cached', async () => {
    const first = await ctx.http().get('/reports/random').expect(200);
    const second = await ctx.http().get('/reports/random').expect(200);
    expect(first.headers['x-cache']).toBeUndefined();
    expect(second.headers['x-cache']).toBeUndefined();
    expect(second.body).toEqual({ calls: 2 });
  });

  it('class-level @Cached leaves POST and PUT handlers alone (no X-Cache, runs every time)', async () => {
    const first = await ctx.http().post('/reports').expect(201);
    const second = await ctx.http().post('/reports').expect(201);
    const put = await ctx.http().put('/reports/1').expect(200);
    await ctx.http().put('/reports/1').expect(200);
    expect(first.headers['x-cache']).toBeUndefined();
    expect(second.headers['x-cache']).toBeUndefined();
    expect(put.headers['x-cache']).toBeUndefined();
    expect(second.body).toEqual({ calls: 2 });
    expect(calls.update).toBe(2);
  });
});

@Cached('1m')
@Controller('news')
class NewsController {
  @Get('short')
  @Cached('100ms')
  short() {
    return { calls: count('short') };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [NewsController] })
class OverrideModule {}

describe.each(PLATFORMS)('a method-level @Cached under a class-level one, on %s', (platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(async () => (ctx = await bootApp(platform, OverrideModule)));
  // Bounded, so that a request that never ends cannot hang the suite.
  afterAll(() => Promise.race([ctx.app.close(), sleep(1_000)]));
  beforeEach(() => Object.keys(calls).forEach((k) => delete calls[k]));

  it('uses the method-level options, and answers', async () => {
    const get = () => ctx.http().get('/news/short').timeout(2_000);
    expect((await get().expect(200)).headers['x-cache']).toBe('MISS');
    expect((await get().expect(200)).headers['x-cache']).toBe('HIT');
    await sleep(200);
    expect((await get().expect(200)).headers['x-cache']).toBe('MISS');
    expect(calls.short).toBe(2);
  });
});

/** A base controller whose GET handler two controllers inherit, each with its own @Cached. */
abstract class CrudController {
  protected abstract readonly name: string;

  @Get()
  list() {
    return { calls: count(this.name) };
  }
}

@Cached({ ttl: '1m', scope: 'public' })
@Controller('public-list')
class PublicListController extends CrudController {
  protected readonly name = 'publicList';
}

@Cached('1m')
@Controller('private-list')
class PrivateListController extends CrudController {
  protected readonly name = 'privateList';
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [PublicListController, PrivateListController],
})
class InheritanceModule {}

describe.each(PLATFORMS)(
  'class-level @Cached on controllers sharing a handler, on %s',
  (platform) => {
    let ctx: Awaited<ReturnType<typeof bootApp>>;
    beforeAll(async () => (ctx = await bootApp(platform, InheritanceModule)));
    afterAll(() => ctx.app.close());
    beforeEach(() => Object.keys(calls).forEach((k) => delete calls[k]));

    it("each controller's own options apply to the inherited handler", async () => {
      const auth = { Authorization: 'Bearer alice' };
      // scope 'public': an authenticated request may use the shared entry
      await ctx.http().get('/public-list').set(auth).expect(200);
      expect((await ctx.http().get('/public-list').set(auth)).headers['x-cache']).toBe('HIT');
      // no scope: an authenticated request bypasses, whatever the other controller says
      const first = await ctx.http().get('/private-list').set(auth).expect(200);
      const second = await ctx.http().get('/private-list').set(auth).expect(200);
      expect(first.headers['x-cache']).toBe('BYPASS');
      expect(second.headers['x-cache']).toBe('BYPASS');
      expect(calls.privateList).toBe(2);
    });

    it('each controller gets its own implicit tag', async () => {
      const cache = ctx.app.get(CacheService);
      await ctx.http().get('/private-list?tag').expect(200);
      await ctx.http().get('/public-list?tag').expect(200);
      await cache.invalidateTags('PrivateListController.list');
      expect((await ctx.http().get('/private-list?tag')).headers['x-cache']).toBe('MISS');
      expect((await ctx.http().get('/public-list?tag')).headers['x-cache']).toBe('HIT');
    });
  },
);

@Controller('typo')
class TypoController {
  @Get(':id')
  @Cached({ key: 'item:{param.id}' })
  findOne() {
    return {};
  }
}

/** A base controller whose handler carries its own @Cached, under a subclass's class-level one. */
abstract class BaseFeedController {
  @Get()
  @Cached('100ms')
  feed() {
    return { calls: count('feed') };
  }
}

@Cached('1m')
@Controller('feed')
class FeedController extends BaseFeedController {}

@Module({ imports: [CacheModule.forRoot()], controllers: [FeedController] })
class NestedModule {}

describe.each(PLATFORMS)(
  "a subclass's class-level @Cached over an inherited method-level one, on %s",
  (platform) => {
    let ctx: Awaited<ReturnType<typeof bootApp>>;
    beforeAll(async () => (ctx = await bootApp(platform, NestedModule)));
    afterAll(() => ctx.app.close());

    it('answers (no nested wait), with the method-level options', async () => {
      const get = () => ctx.http().get('/feed').timeout(2_000);
      const before = calls.feed ?? 0;
      expect((await get().expect(200)).headers['x-cache']).toBe('MISS');
      expect((await get().expect(200)).headers['x-cache']).toBe('HIT');
      await sleep(200);
      expect((await get().expect(200)).headers['x-cache']).toBe('MISS');
      expect((calls.feed ?? 0) - before).toBe(2);
    });
  },
);

describe.each(PLATFORMS)('a key template a request cannot fill, on %s', (platform) => {
  it('fails bootstrap naming Class@method and the placeholder', async () => {
    @Module({ imports: [CacheModule.forRoot()], controllers: [TypoController] })
    class TypoModule {}
    const error = await bootApp(platform, TypoModule).then(
      ({ app }) => app.close(),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as CacheConfigError).code).toBe(CacheErrorCode.InvalidKeyTemplate);
    expect((error as Error).message).toMatch(
      /^TypoController@findOne: key template 'item:\{param\.id\}'/,
    );
    expect((error as Error).message).toMatch(/\{params\.x\}/);
  });
});

describe.each(PLATFORMS)('method-level @Cached on a route that is not GET, on %s', (platform) => {
  function appWith(controller: Function) {
    @Module({ imports: [CacheModule.forRoot()], controllers: [controller as never] })
    class AppModule {}
    return AppModule;
  }

  @Controller('orders')
  class OrdersController {
    @Post()
    @Cached('1m')
    create() {
      return {};
    }
  }

  @Controller('orders')
  class PutController {
    @Put(':id')
    @Cached()
    replace() {
      return {};
    }
  }

  @Controller('orders')
  class AllController {
    @All('any')
    @Cached()
    any() {
      return {};
    }
  }

  it.each([
    ['POST', OrdersController, 'OrdersController@create'],
    ['PUT', PutController, 'PutController@replace'],
    ['ALL', AllController, 'AllController@any'],
  ])('fails bootstrap for a %s route, naming Class@method', async (method, controller, where) => {
    let error: unknown;
    try {
      const { app } = await bootApp(platform, appWith(controller));
      await app.close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as CacheConfigError).code).toBe(CacheErrorCode.NotGetRoute);
    expect((error as Error).message).toMatch(new RegExp(`^${where}: @Cached on a ${method} route`));
    expect((error as Error).message).toMatch(/only GET/);
  });
});
