import { Controller, ExecutionContext, Get, Module, Req, UseGuards } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { FakeAuthGuard } from '../helpers/fake-auth.guard';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

type Request = { user?: { id?: string; sub?: string }; headers: Record<string, string> };
const who = (req: Request) =>
  req.user?.id ?? req.user?.sub ?? req.headers['authorization'] ?? 'anonymous';

@Controller('me')
@UseGuards(FakeAuthGuard)
class MeController {
  @Get('shared')
  @Cached()
  shared(@Req() req: Request) {
    return { secretOf: who(req), calls: count('shared') };
  }

  @Get('per-user')
  @Cached({ scope: 'user' })
  perUser(@Req() req: Request) {
    return { secretOf: who(req), calls: count('perUser') };
  }

  @Get('per-user-template')
  @Cached({ scope: 'user', key: 'same-for-everyone' })
  perUserTemplate(@Req() req: Request) {
    return { secretOf: who(req), calls: count('perUserTemplate') };
  }

  @Get('public')
  @Cached({ scope: 'public' })
  public(@Req() req: Request) {
    return { firstCaller: who(req), calls: count('public') };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [MeController] })
class AppModule {}

@Module({
  imports: [
    CacheModule.forRoot({
      userKey: (ctx: ExecutionContext) => ctx.switchToHttp().getRequest().headers['x-account'],
    }),
  ],
  controllers: [MeController],
})
class CustomUserKeyModule {}

describe.each(PLATFORMS)('privacy by default on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(async () => (ctx = await bootApp(platform, AppModule)));
  afterAll(() => ctx.app.close());
  beforeEach(() => Object.keys(calls).forEach((k) => delete calls[k]));

  it('serves anonymous requests from a shared entry', async () => {
    await ctx.http().get('/me/shared?anon').expect(200);
    const hit = await ctx.http().get('/me/shared?anon').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
  });

  it('bypasses a request with an Authorization header: never read, never stored', async () => {
    await ctx.http().get('/me/shared?auth').expect(200); // an anonymous entry exists
    const a = await ctx.http().get('/me/shared?auth').set('Authorization', 'Bearer alice');
    const b = await ctx.http().get('/me/shared?auth').set('Authorization', 'Bearer bob');
    expect(a.headers['x-cache']).toBe('BYPASS');
    expect(b.headers['x-cache']).toBe('BYPASS');
    expect(a.body.secretOf).toBe('Bearer alice');
    expect(b.body.secretOf).toBe('Bearer bob');
    const anon = await ctx.http().get('/me/shared?auth').expect(200);
    expect(anon.headers['x-cache']).toBe('HIT');
    expect(anon.body.secretOf).toBe('anonymous');
  });

  it('bypasses a request whose guard set req.user', async () => {
    const a = await ctx.http().get('/me/shared?user').set('x-user', 'alice').expect(200);
    const b = await ctx.http().get('/me/shared?user').set('x-user', 'bob').expect(200);
    expect(a.headers['x-cache']).toBe('BYPASS');
    expect(b.headers['x-cache']).toBe('BYPASS');
    expect(b.body.secretOf).toBe('bob');
    expect(calls.shared).toBe(2);
  });

  it("scope 'user' keeps one entry per user; two users never see each other's body", async () => {
    const get = (user: string) => ctx.http().get('/me/per-user').set('x-user', user).expect(200);
    const alice1 = await get('alice');
    const bob1 = await get('bob');
    const alice2 = await get('alice');
    const bob2 = await get('bob');
    expect([alice1, bob1, alice2, bob2].map((r) => r.headers['x-cache'])).toEqual([
      'MISS',
      'MISS',
      'HIT',
      'HIT',
    ]);
    expect(alice2.body.secretOf).toBe('alice');
    expect(bob2.body.secretOf).toBe('bob');
    expect(calls.perUser).toBe(2);
  });

  it("scope 'user' reads req.user.sub when there is no id", async () => {
    const get = (sub: string) => ctx.http().get('/me/per-user?sub').set('x-sub', sub).expect(200);
    await get('s1');
    const other = await get('s2');
    const again = await get('s1');
    expect(other.headers['x-cache']).toBe('MISS');
    expect(other.body.secretOf).toBe('s2');
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.body.secretOf).toBe('s1');
  });

  it("scope 'user' keys by user whatever the key template says", async () => {
    const get = (user: string) =>
      ctx.http().get('/me/per-user-template').set('x-user', user).expect(200);
    await get('alice');
    const bob = await get('bob');
    expect(bob.headers['x-cache']).toBe('MISS');
    expect(bob.body.secretOf).toBe('bob');
    expect((await get('alice')).body.secretOf).toBe('alice');
  });

  it("scope 'user' without a user bypasses (an Authorization header alone is no user)", async () => {
    const anon1 = await ctx.http().get('/me/per-user?anon').expect(200);
    const anon2 = await ctx.http().get('/me/per-user?anon').expect(200);
    const auth = await ctx.http().get('/me/per-user?anon').set('Authorization', 'Bearer x');
    expect([anon1, anon2, auth].map((r) => r.headers['x-cache'])).toEqual([
      'BYPASS',
      'BYPASS',
      'BYPASS',
    ]);
    expect(calls.perUser).toBe(3);
  });

  it("scope 'public' shares one entry among users", async () => {
    await ctx.http().get('/me/public').set('x-user', 'alice').expect(200);
    const bob = await ctx.http().get('/me/public').set('Authorization', 'Bearer bob').expect(200);
    expect(bob.headers['x-cache']).toBe('HIT');
    expect(bob.body.firstCaller).toBe('alice');
    expect(calls.public).toBe(1);
  });
});

describe.each(PLATFORMS)('a custom userKey on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(async () => (ctx = await bootApp(platform, CustomUserKeyModule)));
  afterAll(() => ctx.app.close());

  it('keys user-scoped entries by what userKey returns', async () => {
    const get = (account?: string) => {
      const req = ctx.http().get('/me/per-user').set('x-user', 'same-user');
      return (account ? req.set('x-account', account) : req).expect(200);
    };
    const a1 = await get('acct-1');
    const a2 = await get('acct-2');
    const a1again = await get('acct-1');
    const none = await get();
    expect([a1, a2, a1again, none].map((r) => r.headers['x-cache'])).toEqual([
      'MISS',
      'MISS',
      'HIT',
      'BYPASS',
    ]);
  });
});
