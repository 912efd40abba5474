import { Controller, Get, HostParam, Module, Version, VersioningType } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

/**
 * Requests with one method, path and query string can still reach different handlers (header or
 * media-type versioning) or mean different things (host routing): the default key must not let
 * one of them be answered with another's entry.
 */
@Controller('items')
class ItemsController {
  @Get()
  @Version('1')
  @Cached()
  v1() {
    return { version: 1 };
  }

  @Get()
  @Version('2')
  @Cached()
  v2() {
    return { version: 2 };
  }
}

@Controller({ host: ':tenant.example.com', path: 'tenant' })
class TenantController {
  @Get()
  @Cached()
  whoami(@HostParam('tenant') tenant: string) {
    return { tenant };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [ItemsController, TenantController] })
class AppModule {}

describe.each(PLATFORMS)('entries of different routes on one URL, on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(
    async () =>
      (ctx = await bootApp(platform, AppModule, (app) =>
        app.enableVersioning({ type: VersioningType.HEADER, header: 'X-API-Version' }),
      )),
  );
  afterAll(() => ctx.app.close());

  it('header versioning: v2 is never answered with the v1 entry', async () => {
    const v1 = await ctx.http().get('/items').set('X-API-Version', '1').expect(200);
    const v2 = await ctx.http().get('/items').set('X-API-Version', '2').expect(200);
    expect(v1.body).toEqual({ version: 1 });
    expect(v2.body).toEqual({ version: 2 });
    expect(v2.headers['x-cache']).toBe('MISS');
    const v1Again = await ctx.http().get('/items').set('X-API-Version', '1').expect(200);
    expect(v1Again.headers['x-cache']).toBe('HIT');
    expect(v1Again.body).toEqual({ version: 1 });
  });

  it('host routing: one tenant is never answered with another tenant’s entry', async () => {
    const a = await ctx.http().get('/tenant').set('Host', 'acme.example.com').expect(200);
    const b = await ctx.http().get('/tenant').set('Host', 'globex.example.com').expect(200);
    expect(a.body).toEqual({ tenant: 'acme' });
    expect(b.body).toEqual({ tenant: 'globex' });
    const aAgain = await ctx.http().get('/tenant').set('Host', 'acme.example.com').expect(200);
    expect(aAgain.headers['x-cache']).toBe('HIT');
    expect(aAgain.body).toEqual({ tenant: 'acme' });
  });
});
