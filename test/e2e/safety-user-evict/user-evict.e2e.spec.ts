import {
  Body,
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  Module,
  Put,
  Req,
  UseGuards,
} from '@nestjs/common';
import { Cached, CacheEvict, CacheModule, CacheService } from 'nestjs-cached';
import { FakeAuthGuard } from '../helpers/fake-auth.guard';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Issue #7, case 9: user-scoped entries are reached by `@CacheEvict({ scope: 'user' })` and
 * `CacheService.delete(keys, { user })`, one user at a time.
 */
const { calls, count, reset } = counters();

const profiles: Record<string, string> = {};

@Controller('me')
@UseGuards(FakeAuthGuard)
class MeController {
  @Get()
  @Cached({ scope: 'user', key: 'me' })
  me(@Req() req: any) {
    count(`get:${req.user.id}`);
    return { user: req.user.id, value: profiles[req.user.id] ?? 'initial' };
  }

  @Put()
  @CacheEvict({ keys: ['me'], scope: 'user' })
  update(@Req() req: any, @Body() body: { value: string }) {
    profiles[req.user.id] = body.value;
    return { ok: true };
  }
}

/** Numeric ids: `req.user = { id: Number(x-user) }`, so the default userKey returns a number. */
@Injectable()
class NumericIdGuard implements CanActivate {
  canActivate(ctx: ExecutionContext) {
    const req = ctx.switchToHttp().getRequest();
    if (req.headers['x-user'] !== undefined) req.user = { id: Number(req.headers['x-user']) };
    return true;
  }
}

@Controller('num-me')
@UseGuards(NumericIdGuard)
class NumericMeController {
  @Get()
  @Cached({ scope: 'user', key: 'num-me' })
  me(@Req() req: any) {
    count(`num:${req.user.id}`);
    return { user: req.user.id };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [MeController, NumericMeController] })
class MeModule {}

describe.each(PLATFORMS)('user-scoped eviction, on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeEach(async () => {
    reset();
    Object.keys(profiles).forEach((k) => delete profiles[k]);
    ctx = await bootSafe(platform, MeModule);
  });
  afterEach(() => ctx.app.close());

  const getMe = (user: string) => ctx.http().get('/me').set('x-user', user).expect(200);
  const warm = async () => {
    for (const user of ['1', '2']) {
      expectXCache(await getMe(user), 'MISS');
      expectXCache(await getMe(user), 'HIT');
    }
  };

  it("@CacheEvict({ keys: ['me'], scope: 'user' }) evicts the current user's entry only", async () => {
    await warm();
    await ctx
      .http()
      .put('/me')
      .set('x-user', '1')
      .send({ value: 'updated' })
      .expect((res) => expect(res.status).toBeLessThan(300));
    const u1 = await getMe('1');
    expectXCache(u1, 'MISS');
    expect(u1.body).toEqual({ user: '1', value: 'updated' });
    const u2 = await getMe('2');
    expectXCache(u2, 'HIT');
    expect(u2.body).toEqual({ user: '2', value: 'initial' });
    expect(calls).toEqual({ 'get:1': 2, 'get:2': 1 });
  });

  it("CacheService.delete('me', { user: '1' }) evicts user 1's entry only", async () => {
    await warm();
    await ctx.app.get(CacheService, { strict: false }).delete('me', { user: '1' });
    expectXCache(await getMe('1'), 'MISS');
    expectXCache(await getMe('2'), 'HIT');
    expect(calls).toEqual({ 'get:1': 2, 'get:2': 1 });
  });

  it("numeric ids: CacheService.delete('num-me', { user: 1 }) evicts user 1's entry only", async () => {
    const get = (user: string) => ctx.http().get('/num-me').set('x-user', user).expect(200);
    for (const user of ['1', '2']) {
      expectXCache(await get(user), 'MISS');
      expectXCache(await get(user), 'HIT');
    }
    await ctx.app.get(CacheService, { strict: false }).delete('num-me', { user: 1 });
    const u1 = await get('1');
    expectXCache(u1, 'MISS');
    expect(u1.body).toEqual({ user: 1 });
    expectXCache(await get('2'), 'HIT');
  });

  it("CacheService.delete('me') without a user does not touch user-scoped entries", async () => {
    await warm();
    await ctx.app.get(CacheService, { strict: false }).delete('me');
    expectXCache(await getMe('1'), 'HIT');
    expectXCache(await getMe('2'), 'HIT');
  });
});
