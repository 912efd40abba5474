import {
  Controller,
  ExecutionContext,
  Get,
  Headers,
  Injectable,
  Module,
  Param,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Cached, CacheKeyFactory, CacheModule, CacheService } from 'nestjs-cached';
import { FakeAuthGuard } from '../helpers/fake-auth.guard';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

/** An ordinary provider of the application (not global, not exported). */
@Injectable()
class TenantService {
  tenantOf(ctx: ExecutionContext): string | undefined {
    return ctx.switchToHttp().getRequest().headers['x-tenant'];
  }
}

/** Module-wide factory, not registered anywhere: the cache instantiates it with its dependency. */
@Injectable()
class TenantKeyFactory implements CacheKeyFactory {
  static instances = 0;
  constructor(private readonly tenants: TenantService) {
    TenantKeyFactory.instances++;
  }
  build(ctx: ExecutionContext, defaultKey: string) {
    const tenant = this.tenants.tenantOf(ctx);
    return tenant === undefined ? undefined : `tenant:${tenant}:${defaultKey}`;
  }
}

/** Per-route factory, registered with useValue: that very instance must be used. */
class RegisteredKeyFactory implements CacheKeyFactory {
  builds = 0;
  constructor(readonly prefix: string) {}
  async build(ctx: ExecutionContext) {
    this.builds++;
    return `${this.prefix}:${ctx.switchToHttp().getRequest().params.id}`;
  }
}

/** Gives every request one key: only the user identity the cache adds can tell users apart. */
@Injectable()
class ConstantKeyFactory implements CacheKeyFactory {
  build() {
    return 'one-key-for-all';
  }
}

@Controller('docs')
class DocsController {
  @Get('mine')
  @Cached({ scope: 'user', keyFactory: ConstantKeyFactory })
  mine(@Headers('x-user') user: string) {
    return { owner: user, calls: count('mine') };
  }

  @Get('tenant')
  @Cached()
  tenant() {
    return { calls: count('tenant') };
  }

  @Get('registered/:id')
  @Cached({ keyFactory: RegisteredKeyFactory })
  registered(@Param('id') id: string) {
    return { id, calls: count('registered') };
  }
}

@Module({
  imports: [CacheModule.forRoot({ keyFactory: TenantKeyFactory })],
  controllers: [DocsController],
  providers: [
    TenantService,
    { provide: RegisteredKeyFactory, useValue: new RegisteredKeyFactory('from-use-value') },
    { provide: APP_GUARD, useClass: FakeAuthGuard },
  ],
})
class AppModule {}

describe.each(PLATFORMS)('custom key factories on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(async () => {
    TenantKeyFactory.instances = 0;
    ctx = await bootApp(platform, AppModule);
  });
  afterAll(() => ctx?.app.close());
  beforeEach(() => Object.keys(calls).forEach((k) => delete calls[k]));

  it('a module-wide factory, unregistered, is built once with its dependency injected', async () => {
    const get = (tenant: string) => ctx.http().get('/docs/tenant').set('x-tenant', tenant);
    expect((await get('acme').expect(200)).headers['x-cache']).toBe('MISS');
    expect((await get('globex').expect(200)).headers['x-cache']).toBe('MISS');
    const hit = await get('acme').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual({ calls: 1 });
    expect(calls.tenant).toBe(2);
    expect(TenantKeyFactory.instances).toBe(1);
  });

  it('a factory returning undefined bypasses the cache', async () => {
    const first = await ctx.http().get('/docs/tenant').expect(200);
    const second = await ctx.http().get('/docs/tenant').expect(200);
    expect(first.headers['x-cache']).toBe('BYPASS');
    expect(second.headers['x-cache']).toBe('BYPASS');
    expect(calls.tenant).toBe(2);
    expect(ctx.app.get(CacheService).stats().bypasses).toBeGreaterThanOrEqual(2);
  });

  it('a per-route factory overrides the module one; a registered provider is used as is', async () => {
    const registered = ctx.app.get(RegisteredKeyFactory);
    const before = registered.builds;
    // No x-tenant header: the module factory would bypass, the route's factory caches.
    expect((await ctx.http().get('/docs/registered/1?a=1').expect(200)).headers['x-cache']).toBe(
      'MISS',
    );
    const hit = await ctx.http().get('/docs/registered/1?a=2').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual({ id: '1', calls: 1 });
    expect(registered.builds - before).toBe(2);
    expect(await ctx.app.get(CacheService).has('from-use-value:1')).toBe(true);
  });

  it('adds the user identity to a user-scoped key, whatever the factory returns', async () => {
    const get = (user: string) => ctx.http().get('/docs/mine').set('x-user', user).expect(200);
    const alice = await get('alice');
    const bob = await get('bob');
    const aliceAgain = await get('alice');
    expect([alice, bob, aliceAgain].map((r) => r.headers['x-cache'])).toEqual([
      'MISS',
      'MISS',
      'HIT',
    ]);
    expect(bob.body.owner).toBe('bob');
    expect(aliceAgain.body.owner).toBe('alice');
  });
});
