import { Controller, Get, INestApplication, Module, Version, VersioningType } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

@Controller('who')
class IdentityController {
  @Get('auto')
  @Cached()
  auto() {
    return { shared: 'anonymous' };
  }

  @Get('mine')
  @Cached({ scope: 'user' })
  mine() {
    return { mine: true };
  }

  @Get('versioned')
  @Version('1')
  @Cached({ scope: 'public' })
  v1() {
    return { version: 1 };
  }

  @Get('versioned')
  @Version('2')
  @Cached({ scope: 'public' })
  v2() {
    return { version: 2 };
  }
}

@Module({
  imports: [
    CacheModule.forRoot({
      fastPath: true,
      identityCookies: ['sid'],
      userKey: (ctx) => ctx.switchToHttp().getRequest().headers['x-user'],
    }),
  ],
  controllers: [IdentityController],
})
class IdentityApp {}

describe.each(PLATFORMS)(
  'hostile fast path: identities and versions (%s)',
  (platform: Platform) => {
    let app: INestApplication;
    let http: Awaited<ReturnType<typeof bootApp>>['http'];
    beforeAll(async () => {
      ({ app, http } = await bootApp(platform, IdentityApp, (a) =>
        a.enableVersioning({ type: VersioningType.HEADER, header: 'x-api-version' }),
      ));
    });
    afterAll(() => app.close());

    it('never answers an identified request from the shared entry', async () => {
      await http().get('/who/auto').expect(200);
      const hit = await http().get('/who/auto').expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      const bearer = await http().get('/who/auto').set('Authorization', 'Bearer x').expect(200);
      expect(bearer.headers['x-cache']).toBe('BYPASS');
      const cookie = await http().get('/who/auto').set('Cookie', 'sid=abc').expect(200);
      expect(cookie.headers['x-cache']).toBe('BYPASS');
    });

    it("keeps scope: 'user' entries per user", async () => {
      await http().get('/who/mine').set('x-user', 'alice').expect(200);
      const bob = await http().get('/who/mine').set('x-user', 'bob').expect(200);
      expect(bob.headers['x-cache']).toBe('MISS');
      const anonymous = await http().get('/who/mine').expect(200);
      expect(anonymous.headers['x-cache']).toBe('BYPASS');
    });

    it('routes header versions to their own entry', async () => {
      const one = await http().get('/who/versioned').set('x-api-version', '1').expect(200);
      await http().get('/who/versioned').set('x-api-version', '1').expect(200);
      const two = await http().get('/who/versioned').set('x-api-version', '2').expect(200);
      const twoAgain = await http().get('/who/versioned').set('x-api-version', '2').expect(200);
      expect(one.body).toEqual({ version: 1 });
      expect(two.body).toEqual({ version: 2 });
      expect(twoAgain.body).toEqual({ version: 2 });
    });
  },
);
