import {
  Controller,
  Get,
  Header,
  Module,
  Param,
  Post,
  Req,
  Version,
  VersioningType,
} from '@nestjs/common';
import session from 'express-session';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import {
  bootSafe,
  cookiesOf,
  counters,
  expectSameResponse,
  expectXCache,
  SafeApp,
} from '../helpers/safety';

/** Hostile: global prefix + URI versioning, Cache-Control: private, CORS, express-session. */
const { calls, count, reset } = counters();

@Controller({ path: 'items', version: '1' })
class ItemsV1Controller {
  @Get(':id')
  @Cached()
  one(@Param('id') id: string) {
    count('v1');
    return { v: 1, id };
  }

  @Get(':id/extra')
  @Version('2')
  @Cached()
  extraV2(@Param('id') id: string) {
    count('v2extra');
    return { v: 2, id };
  }
}

@Controller({ path: 'items', version: '2' })
class ItemsV2Controller {
  @Get(':id')
  @Cached()
  one(@Param('id') id: string) {
    count('v2');
    return { v: 2, id };
  }
}

@Controller('p')
class PrivateController {
  @Get('shared')
  @Cached()
  @Header('Cache-Control', 'private, max-age=60')
  shared() {
    count('shared');
    return { n: calls.shared };
  }

  @Get('mine')
  @Cached({ scope: 'user' })
  @Header('Cache-Control', 'private, max-age=60')
  mine(@Req() req: any) {
    count('mine');
    return { user: req.headers.authorization, n: calls.mine };
  }

  @Get('cors')
  @Cached()
  cors() {
    count('cors');
    return { n: calls.cors };
  }
}

@Module({
  imports: [
    CacheModule.forRoot({
      userKey: (ctx) => ctx.switchToHttp().getRequest().headers.authorization,
    }),
  ],
  controllers: [ItemsV1Controller, ItemsV2Controller, PrivateController],
})
class SetupModule {}

describe.each(PLATFORMS)('hostile: app setup on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe(platform, SetupModule, {
        configure: (app) => {
          app.setGlobalPrefix('api');
          app.enableVersioning({ type: VersioningType.URI });
          app.enableCors({ origin: ['https://a.example', 'https://b.example'], credentials: true });
        },
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('global prefix + URI versions: each version has its own entry and hits', async () => {
    const v1 = await ctx.http().get('/api/v1/items/5').expect(200);
    const v2 = await ctx.http().get('/api/v2/items/5').expect(200);
    expect(v1.body).toEqual({ v: 1, id: '5' });
    expect(v2.body).toEqual({ v: 2, id: '5' });
    const v1hit = await ctx.http().get('/api/v1/items/5').expect(200);
    const v2hit = await ctx.http().get('/api/v2/items/5').expect(200);
    expectXCache(v1hit, 'HIT', v1);
    expectXCache(v2hit, 'HIT', v2);
    expect(v1hit.body).toEqual(v1.body);
    expect(v2hit.body).toEqual(v2.body);
    const extra = await ctx.http().get('/api/v2/items/5/extra').expect(200);
    const extraHit = await ctx.http().get('/api/v2/items/5/extra').expect(200);
    expectXCache(extraHit, 'HIT', extra);
    await ctx.http().get('/api/v1/items/5/extra').expect(404);
    expect(calls).toEqual({ v1: 1, v2: 1, v2extra: 1 });
  });

  it('Cache-Control: private is not stored in a shared entry, is stored per user', async () => {
    await ctx.http().get('/api/p/shared').expect(200);
    const again = await ctx.http().get('/api/p/shared').expect(200);
    expectXCache(again, 'MISS');
    expect(calls.shared).toBe(2);
    const a1 = await ctx.http().get('/api/p/mine').set('Authorization', 'alice').expect(200);
    const a2 = await ctx.http().get('/api/p/mine').set('Authorization', 'alice').expect(200);
    const b1 = await ctx.http().get('/api/p/mine').set('Authorization', 'bob').expect(200);
    expectXCache(a2, 'HIT', a1);
    expectSameResponse(a1, a2);
    expect(b1.body.user).toBe('bob');
    expect(calls.mine).toBe(2);
  });

  it('CORS allow-list: a hit for a disallowed origin carries no Access-Control-Allow-Origin', async () => {
    const miss = await ctx.http().get('/api/p/cors').set('Origin', 'https://a.example').expect(200);
    expect(miss.headers['access-control-allow-origin']).toBe('https://a.example');
    const evil = await ctx
      .http()
      .get('/api/p/cors')
      .set('Origin', 'https://evil.example')
      .expect(200);
    expectXCache(evil, 'HIT', miss);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const none = await ctx.http().get('/api/p/cors').expect(200);
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
    const b = await ctx.http().get('/api/p/cors').set('Origin', 'https://b.example').expect(200);
    expect(b.headers['access-control-allow-origin']).toBe('https://b.example');
  });
});

@Controller('sess')
class SessionController {
  @Get('page')
  @Cached()
  page() {
    count('page');
    return { n: calls.page };
  }

  @Post('login')
  login(@Req() req: any) {
    req.session.user = { id: 1 };
    return { ok: true };
  }

  @Post('logout')
  logout(@Req() req: any) {
    delete req.session.user;
    return { ok: true };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [SessionController] })
class SessionModule {}

describe('hostile: express-session saveUninitialized: false, rolling: false', () => {
  let ctx: SafeApp;
  beforeAll(
    async () =>
      (ctx = await bootSafe('express', SessionModule, {
        configure: (app) =>
          app.use(
            session({ secret: 's3cret', resave: false, saveUninitialized: false, rolling: false }),
          ),
      })),
  );
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('anonymous requests (empty session) are cached; a logged-in one bypasses; after logout cached again', async () => {
    const miss = await ctx.http().get('/sess/page').expect(200);
    expect(miss.headers['set-cookie']).toBeUndefined();
    const hit = await ctx.http().get('/sess/page').expect(200);
    expectXCache(hit, 'HIT', miss);
    const login = await ctx.http().post('/sess/login').expect(201);
    const cookie = cookiesOf(login);
    expect(cookie).toMatch(/connect\.sid/);
    const mine = await ctx.http().get('/sess/page').set('Cookie', cookie).expect(200);
    expectXCache(mine, 'BYPASS');
    await ctx.http().post('/sess/logout').set('Cookie', cookie).expect(201);
    // logged out: the session holds only its cookie -> anonymous -> shared entry
    const after = await ctx.http().get('/sess/page').set('Cookie', cookie).expect(200);
    expectXCache(after, 'HIT');
    expect(after.headers['set-cookie']).toBeUndefined();
    expect(after.text).toBe(miss.text);
  });
});
