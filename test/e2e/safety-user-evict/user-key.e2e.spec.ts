import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  Module,
  Req,
  UseGuards,
} from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';

import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Issue #7, case 7: a `userKey` that returns something that is not an id (an object, NaN,
 * Infinity) never merges users: the request bypasses.
 */
const { calls, count, reset } = counters();

/** Sets `req.user = { id }` from the `x-user` header (as a number). */
@Injectable()
class IdGuard implements CanActivate {
  canActivate(ctx: ExecutionContext) {
    const req = ctx.switchToHttp().getRequest();
    if (req.headers['x-user'] !== undefined) req.user = { id: Number(req.headers['x-user']) };
    return true;
  }
}

@Controller('who')
@UseGuards(IdGuard)
class WhoController {
  @Get()
  @Cached({ scope: 'user' })
  who(@Req() req: any) {
    count('who');
    return { id: req.user?.id ?? null };
  }
}

function userKeyModule(userKey: (ctx: ExecutionContext) => unknown) {
  @Module({
    imports: [CacheModule.forRoot({ userKey: userKey as any })],
    controllers: [WhoController],
  })
  class UserKeyModule {}
  return UserKeyModule;
}

const USER_KEYS: [string, (ctx: ExecutionContext) => unknown][] = [
  ['an object (req.user itself)', (ctx) => ctx.switchToHttp().getRequest().user],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['null', () => null],
  ['a boolean', () => true],
];

describe.each(PLATFORMS)('userKey results that are not ids, on %s', (platform: Platform) => {
  describe.each(USER_KEYS)('userKey returns %s', (_name, userKey) => {
    let ctx: SafeApp;
    beforeAll(async () => (ctx = await bootSafe(platform, userKeyModule(userKey))));
    afterAll(() => ctx.app.close());
    beforeEach(reset);

    it("user 2 never gets user 1's body; both bypass", async () => {
      const u1 = await ctx.http().get('/who').set('x-user', '1').expect(200);
      const u2 = await ctx.http().get('/who').set('x-user', '2').expect(200);
      expect(u1.body).toEqual({ id: 1 });
      expect(u2.body).toEqual({ id: 2 });
      expectXCache(u1, 'BYPASS');
      expectXCache(u2, 'BYPASS');
      expect(calls.who).toBe(2);
    });
  });
});

/** The default userKey (`req.user.id ?? req.user.sub`) meeting ids that are objects. */
@Injectable()
class ObjectIdGuard implements CanActivate {
  canActivate(ctx: ExecutionContext) {
    const req = ctx.switchToHttp().getRequest();
    if (req.headers['x-user'] !== undefined) req.user = { id: { value: req.headers['x-user'] } };
    return true;
  }
}

@Controller('who-object')
@UseGuards(ObjectIdGuard)
class WhoObjectController {
  @Get()
  @Cached({ scope: 'user' })
  who(@Req() req: any) {
    count('whoObject');
    return { id: req.user?.id?.value ?? null };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [WhoObjectController] })
class DefaultUserKeyModule {}

describe.each(PLATFORMS)('the default userKey with object ids, on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, DefaultUserKeyModule)));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it("req.user.id = { value }: user 2 never gets user 1's body", async () => {
    const u1 = await ctx.http().get('/who-object').set('x-user', '1').expect(200);
    const u2 = await ctx.http().get('/who-object').set('x-user', '2').expect(200);
    expect(u1.body).toEqual({ id: '1' });
    expect(u2.body).toEqual({ id: '2' });
    expect(u2.headers['x-cache']).not.toBe('HIT');
    expect(calls.whoObject).toBe(2);
  });
});
