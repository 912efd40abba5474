import {
  CallHandler,
  ClassSerializerInterceptor,
  Controller,
  ExecutionContext,
  Get,
  Header,
  Injectable,
  Module,
  NestInterceptor,
  Query,
  Redirect,
  Render,
  UseInterceptors,
} from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { RouteSchema } from '@nestjs/platform-fastify';
import { Exclude, Expose } from 'class-transformer';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { map } from 'rxjs';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectSameResponse, SafeApp, expectXCache } from '../helpers/safety';

/**
 * Issue #7, case 1: an entry holds what was actually sent for the miss (after the app's
 * serializers, hooks and schemas) and a hit replays exactly that: status, bytes and headers.
 */
const { calls, count, reset } = counters();

const strip = (payload: any) => {
  if (payload && typeof payload === 'object' && 'password' in payload) {
    const { password: _password, ...rest } = payload;
    return rest;
  }
  return payload;
};

@Controller('s')
class SerializationController {
  @Get('user')
  @Cached()
  user() {
    count('user');
    return { id: 1, name: 'alice', password: 'secret' };
  }

  @Get('schema')
  @Cached()
  @RouteSchema({
    response: {
      200: {
        type: 'object',
        properties: { id: { type: 'integer' }, name: { type: 'string' } },
      },
    },
  })
  schema() {
    count('schema');
    return { id: 1, name: 'alice', password: 'secret' };
  }

  @Get('vnd')
  @Cached()
  @Header('Content-Type', 'application/vnd.api+json')
  vnd() {
    count('vnd');
    return { data: { id: '1', type: 'users' } };
  }

  @Get('mw-type')
  @Cached()
  mwType() {
    count('mwType');
    return { id: 1 };
  }

  @Get('pretty')
  @Cached()
  pretty() {
    count('pretty');
    return { id: 1, nested: { list: [1, 2] } };
  }

  /** Express's res.redirect negotiates its body (HTML or text) and says `Vary: Accept`. */
  @Get('go')
  @Cached({ vary: ['accept'] })
  @Redirect('https://default.example.com/', 302)
  go() {
    const n = count('go');
    return { url: `https://example.com/target/${n}` };
  }

  @Get('go-unkeyed')
  @Cached()
  @Redirect('https://default.example.com/', 302)
  goUnkeyed() {
    const n = count('goUnkeyed');
    return { url: `https://example.com/target/${n}` };
  }

  @Get('page')
  @Cached()
  @Render('page')
  page(@Query('name') name = 'world') {
    const n = count('page');
    return { name, n };
  }
}

class UserEntity {
  id!: number;
  name!: string;
  @Exclude()
  password!: string;
  constructor(fields: Partial<UserEntity>) {
    Object.assign(this, fields);
  }
}

@Controller('entities')
class EntitiesController {
  @Get('one')
  @Cached()
  one() {
    count('entity');
    return new UserEntity({ id: 1, name: 'alice', password: 'secret' });
  }
}

@Injectable()
class WrapInterceptor implements NestInterceptor {
  intercept(_ctx: ExecutionContext, next: CallHandler) {
    return next.handle().pipe(map((data) => ({ data })));
  }
}

@Module({
  imports: [CacheModule.forRoot({ statuses: [200, 302] })],
  controllers: [SerializationController],
})
class PlainModule {}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [EntitiesController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: ClassSerializerInterceptor }],
})
class ClassSerializerModule {}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [SerializationController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: WrapInterceptor }],
})
class WrappedModule {}

/** A global interceptor that relies on the handler's value being an array (list.map). */
@Injectable()
class ListEnvelopeInterceptor implements NestInterceptor {
  intercept(_ctx: ExecutionContext, next: CallHandler) {
    return next
      .handle()
      .pipe(map((list: unknown[]) => ({ items: list.map(String), count: list.length })));
  }
}

@Controller('lists')
class ListsController {
  @Get()
  @Cached()
  list() {
    count('list');
    return [1, 2, 3];
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [ListsController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: ListEnvelopeInterceptor }],
})
class ListEnvelopeModule {}

/** Per-request serializer groups: `x-role: admin` sees admin-only fields. */
class RoleSerializerInterceptor extends ClassSerializerInterceptor {
  protected override getContextOptions(ctx: ExecutionContext) {
    const role = ctx.switchToHttp().getRequest().headers['x-role'] ?? 'user';
    return { groups: [String(role)] };
  }
}

class AccountEntity {
  @Expose()
  id!: number;
  @Expose()
  name!: string;
  @Expose({ groups: ['admin'] })
  internalNote!: string;
  constructor(fields: Partial<AccountEntity>) {
    Object.assign(this, fields);
  }
}

@Controller('accounts')
class AccountsController {
  @Get('public')
  @Cached({ scope: 'public' })
  publicAccount() {
    count('publicAccount');
    return new AccountEntity({ id: 7, name: 'acme', internalNote: 'ADMIN-ONLY-NOTE' });
  }

  @Get('default')
  @Cached()
  defaultAccount() {
    count('defaultAccount');
    return new AccountEntity({ id: 7, name: 'acme', internalNote: 'ADMIN-ONLY-NOTE' });
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [AccountsController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: RoleSerializerInterceptor }],
})
class RolesModule {}

@Controller('accounts')
@UseInterceptors(RoleSerializerInterceptor)
class ControllerRolesAccountsController extends AccountsController {}

@Module({ imports: [CacheModule.forRoot()], controllers: [ControllerRolesAccountsController] })
class ControllerRolesModule {}

@Module({ imports: [CacheModule.forRoot()], controllers: [AccountsController] })
class BareAccountsModule {}

const ROLE_SETUPS: [string, any, ((app: any) => void) | undefined][] = [
  ['APP_INTERCEPTOR', RolesModule, undefined],
  ['@UseInterceptors on the controller', ControllerRolesModule, undefined],
  [
    'app.useGlobalInterceptors(new Subclass(reflector))',
    BareAccountsModule,
    (app) => app.useGlobalInterceptors(new RoleSerializerInterceptor(app.get(Reflector))),
  ],
];

const renderTemplate = (file: string, data: Record<string, unknown>) =>
  readFileSync(file, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, k) => String(data[k] ?? ''));

/** Sets up a view engine: Express via app.engine, Fastify by emulating @fastify/view. */
function viewsSetup(app: any, platform: Platform) {
  const dir = mkdtempSync(join(tmpdir(), 'safety-views-'));
  writeFileSync(join(dir, 'page.txt'), 'Hello {{name}} (render {{n}})\n');
  if (platform === 'express') {
    app.setBaseViewsDir(dir);
    app.engine('txt', (file: string, opts: any, cb: (e: unknown, s?: string) => void) => {
      try {
        cb(null, renderTemplate(file, opts));
      } catch (e) {
        cb(e);
      }
    });
    app.setViewEngine('txt');
  } else {
    const fastify = app.getHttpAdapter().getInstance();
    fastify.decorateReply('view', function (this: any, tpl: string, data: any) {
      this.type('text/html; charset=utf-8').send(renderTemplate(join(dir, `${tpl}.txt`), data));
      return this;
    });
  }
}

async function missThenHit(ctx: SafeApp, url: string, expectStatus = 200) {
  const miss = await ctx.http().get(url);
  const hit = await ctx.http().get(url);
  expect(miss.status).toBe(expectStatus);
  expectXCache(miss, 'MISS');
  expectXCache(hit, 'HIT', miss);
  return { miss, hit };
}

describe('a hit replays what the miss sent through Express-only serialization (express)', () => {
  let ctx: SafeApp;
  afterEach(() => ctx?.app.close());
  beforeEach(reset);

  it('a middleware that overrides res.json to strip password: HIT = MISS, never password', async () => {
    ctx = await bootSafe('express', PlainModule, {
      configure: (app) =>
        app.use((_req: any, res: any, next: () => void) => {
          const json = res.json.bind(res);
          res.json = (body: unknown) => json(strip(body));
          next();
        }),
    });
    const { miss, hit } = await missThenHit(ctx, '/s/user');
    expect(miss.text).toBe('{"id":1,"name":"alice"}');
    expectSameResponse(miss, hit);
    expect(hit.text).not.toContain('password');
    expect(calls.user).toBe(1);
  });

  it("the 'json spaces' setting: HIT has the same indentation as MISS", async () => {
    ctx = await bootSafe('express', PlainModule, {
      configure: (app) => app.set('json spaces', 2),
    });
    const { miss, hit } = await missThenHit(ctx, '/s/pretty');
    expect(miss.text).toBe(JSON.stringify({ id: 1, nested: { list: [1, 2] } }, null, 2));
    expectSameResponse(miss, hit);
    expect(calls.pretty).toBe(1);
  });
});

describe('a hit replays what the miss sent through Fastify-only serialization (fastify)', () => {
  let ctx: SafeApp;
  afterEach(() => ctx?.app.close());
  beforeEach(reset);

  it('a preSerialization hook that strips a field: HIT = MISS, never password', async () => {
    ctx = await bootSafe('fastify', PlainModule, {
      configure: (app) =>
        app
          .getHttpAdapter()
          .getInstance()
          .addHook('preSerialization', async (_req: any, _reply: any, payload: any) =>
            strip(payload),
          ),
    });
    const { miss, hit } = await missThenHit(ctx, '/s/user');
    expect(miss.text).toBe('{"id":1,"name":"alice"}');
    expectSameResponse(miss, hit);
    expect(hit.text).not.toContain('password');
    expect(calls.user).toBe(1);
  });

  it('an app-wide setReplySerializer: HIT = MISS', async () => {
    ctx = await bootSafe('fastify', PlainModule, {
      configure: (app) =>
        app
          .getHttpAdapter()
          .getInstance()
          .setReplySerializer((payload: any) => JSON.stringify({ v: 1, ...strip(payload) })),
    });
    const { miss, hit } = await missThenHit(ctx, '/s/user');
    expect(miss.text).toBe('{"v":1,"id":1,"name":"alice"}');
    expectSameResponse(miss, hit);
    expect(calls.user).toBe(1);
  });

  it('a per-request reply.serializer(fn) set by an onRequest hook: HIT = MISS', async () => {
    ctx = await bootSafe('fastify', PlainModule, {
      configure: (app) =>
        app
          .getHttpAdapter()
          .getInstance()
          .addHook('onRequest', async (_req: any, reply: any) => {
            reply.serializer((payload: any) =>
              JSON.stringify({ per: 'request', ...strip(payload) }),
            );
          }),
    });
    const { miss, hit } = await missThenHit(ctx, '/s/user');
    expect(miss.text).toBe('{"per":"request","id":1,"name":"alice"}');
    expectSameResponse(miss, hit);
    expect(hit.text).not.toContain('password');
  });

  it('a response schema from @RouteSchema drops undeclared fields: HIT = MISS', async () => {
    ctx = await bootSafe('fastify', PlainModule);
    const { miss, hit } = await missThenHit(ctx, '/s/schema');
    expect(miss.text).toBe('{"id":1,"name":"alice"}');
    expectSameResponse(miss, hit);
    expect(hit.text).not.toContain('password');
    expect(calls.schema).toBe(1);
  });
});

describe.each(PLATFORMS)('a hit replays what the miss sent, on %s', (platform: Platform) => {
  let ctx: SafeApp;
  afterEach(() => ctx?.app.close());
  beforeEach(reset);

  it('a global ClassSerializerInterceptor with an @Exclude() field: HIT = MISS', async () => {
    ctx = await bootSafe(platform, ClassSerializerModule);
    const { miss, hit } = await missThenHit(ctx, '/entities/one');
    expect(miss.text).toBe('{"id":1,"name":"alice"}');
    expectSameResponse(miss, hit);
    expect(calls.entity).toBe(1);
  });

  it('a global interceptor wrapping bodies in { data }: HIT = MISS (wrapped once)', async () => {
    ctx = await bootSafe(platform, WrappedModule);
    const { miss, hit } = await missThenHit(ctx, '/s/vnd');
    expect(JSON.parse(miss.text)).toEqual({ data: { data: { id: '1', type: 'users' } } });
    expectSameResponse(miss, hit);
  });

  it("a global interceptor that maps the handler's array (list.map): the HIT is not a 500 and = MISS", async () => {
    ctx = await bootSafe(platform, ListEnvelopeModule);
    const miss = await ctx.http().get('/lists');
    const hit = await ctx.http().get('/lists');
    expect(miss.status).toBe(200);
    expect(miss.text).toBe('{"items":["1","2","3"],"count":3}');
    expect(hit.status).toBe(200);
    expectXCache(hit, 'HIT', miss);
    expectSameResponse(miss, hit);
    expect(calls.list).toBe(1);
  });

  it('@Render: the HIT is not a 500 and sends the rendered page the MISS sent', async () => {
    ctx = await bootSafe(platform, PlainModule, { configure: viewsSetup });
    const miss = await ctx.http().get('/s/page?name=ada');
    const hit = await ctx.http().get('/s/page?name=ada');
    expect(miss.status).toBe(200);
    expect(miss.text).toBe('Hello ada (render 1)\n');
    expect(hit.status).toBe(200);
    expectSameResponse(miss, hit);
    expect(calls.page).toBe(1);
  });

  it('a dynamic @Redirect stored with statuses [200, 302]: HIT redirects where MISS did', async () => {
    ctx = await bootSafe(platform, PlainModule);
    const { miss, hit } = await missThenHit(ctx, '/s/go', 302);
    expect(miss.headers.location).toBe('https://example.com/target/1');
    expect(hit.status).toBe(302);
    expect(hit.headers.location).toBe('https://example.com/target/1');
    expectSameResponse(miss, hit);
    expect(calls.go).toBe(1);
  });

  it('a dynamic @Redirect whose body varies on Accept is stored only when the key does', async () => {
    ctx = await bootSafe(platform, PlainModule);
    const first = await ctx.http().get('/s/go-unkeyed').expect(302);
    const second = await ctx.http().get('/s/go-unkeyed').expect(302);
    expect(first.headers.location).toBe('https://example.com/target/1');
    if (platform === 'express') {
      // `Vary: Accept` without vary: ['accept']: never stored, each request redirects anew.
      expect(second.headers['x-cache']).toBe('MISS');
      expect(second.headers.location).toBe('https://example.com/target/2');
    } else {
      // Fastify's redirect body does not vary: stored, and the HIT goes where the MISS went.
      expect(second.headers['x-cache']).toBe('HIT');
      expect(second.headers.location).toBe('https://example.com/target/1');
    }
  });

  it("@Header('Content-Type', 'application/vnd.api+json'): the HIT keeps that content type", async () => {
    ctx = await bootSafe(platform, PlainModule);
    const { miss, hit } = await missThenHit(ctx, '/s/vnd');
    expect(miss.headers['content-type']).toMatch(/^application\/vnd\.api\+json/);
    expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
    expectSameResponse(miss, hit);
  });

  it('a content type set by a middleware / onRequest hook: the HIT keeps it', async () => {
    const type = 'application/vnd.custom+json';
    ctx = await bootSafe(platform, PlainModule, {
      configure: (app, p) => {
        if (p === 'express') {
          app.use((_req: any, res: any, next: () => void) => {
            res.setHeader('Content-Type', type);
            next();
          });
        } else {
          app
            .getHttpAdapter()
            .getInstance()
            .addHook('onRequest', async (_req: any, reply: any) => {
              reply.header('content-type', type);
            });
        }
      },
    });
    const { miss, hit } = await missThenHit(ctx, '/s/mw-type');
    expect(miss.headers['content-type']).toMatch(/^application\/vnd\.custom\+json/);
    expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
    expectSameResponse(miss, hit);
  });
});

describe.each(PLATFORMS)('HEAD first, then GET, on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, PlainModule)));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('a GET after a HEAD miss gets the full body, with the headers a GET miss would have', async () => {
    const head = await ctx.http().head('/s/pretty?head-first');
    expect(head.status).toBe(200);
    const get = await ctx.http().get('/s/pretty?head-first').expect(200);
    expect(get.text).toBe('{"id":1,"nested":{"list":[1,2]}}');
    expect(get.headers['content-length']).toBe(String(get.text.length));
    expect(get.headers['content-type']).toMatch(/^application\/json/);
    const again = await ctx.http().get('/s/pretty?head-first').expect(200);
    expect(again.text).toBe(get.text);
  });

  it('a HEAD after a GET miss is answered from the GET entry, without a body', async () => {
    const get = await ctx.http().get('/s/pretty?get-first').expect(200);
    const head = await ctx.http().head('/s/pretty?get-first');
    expect(head.status).toBe(200);
    expectXCache(head, 'HIT', get);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.text ?? '').toBe('');
    expect(calls.pretty).toBe(1);
  });
});

describe.each(PLATFORMS)(
  'per-request serializer groups (ClassSerializerInterceptor.getContextOptions), on %s',
  (platform: Platform) => {
    describe.each(ROLE_SETUPS)('registered with %s', (_name, module, configure) => {
      let ctx: SafeApp;
      beforeAll(async () => (ctx = await bootSafe(platform, module, { configure })));
      afterAll(() => ctx.app.close());
      beforeEach(reset);

      const ADMIN = '{"id":7,"name":"acme","internalNote":"ADMIN-ONLY-NOTE"}';
      const USER = '{"id":7,"name":"acme"}';

      it.each(['public', 'default'])(
        'route %s: after an admin request, a user never sees admin-only fields',
        async (route) => {
          const admin = await ctx.http().get(`/accounts/${route}`).set('x-role', 'admin');
          const user = await ctx.http().get(`/accounts/${route}`).set('x-role', 'user');
          const admin2 = await ctx.http().get(`/accounts/${route}`).set('x-role', 'admin');
          const user2 = await ctx.http().get(`/accounts/${route}`).set('x-role', 'user');
          expect(admin.status).toBe(200);
          expect(admin.text).toBe(ADMIN);
          expect(user.text).toBe(USER);
          expect(user.text).not.toContain('ADMIN-ONLY');
          expect(admin2.text).toBe(ADMIN);
          expect(user2.text).toBe(USER);
        },
      );
    });
  },
);
