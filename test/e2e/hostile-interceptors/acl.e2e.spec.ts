import {
  CallHandler,
  Controller,
  ExecutionContext,
  ForbiddenException,
  Get,
  Injectable,
  Module,
  NestInterceptor,
  Param,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { map } from 'rxjs';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Hostile: a global interceptor that enforces access on the returned document (the document is
 * the same for everyone, so the route is cached by URL; who may see it is checked afterwards).
 * On a hit the interceptor still runs and throws 403 — the client must get the 403, not the doc.
 */
const { count, reset } = counters();

@Injectable()
class TenantAclInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler) {
    const tenant = ctx.switchToHttp().getRequest().headers['x-tenant'];
    return next.handle().pipe(
      map((doc: any) => {
        if (doc?.tenant !== tenant) throw new ForbiddenException('not your document');
        return doc;
      }),
    );
  }
}

@Controller('docs')
class DocsController {
  @Get(':id')
  @Cached()
  one(@Param('id') id: string) {
    count('one');
    return { id, tenant: 'acme', secret: 'acme quarterly numbers' };
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [DocsController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: TenantAclInterceptor }],
})
class DocsModule {}

describe.each(PLATFORMS)('hostile: response ACL interceptor on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, DocsModule)));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it("another tenant's HIT is the interceptor's 403, never the cached document", async () => {
    const owner = await ctx.http().get('/docs/7').set('X-Tenant', 'acme').expect(200);
    expectXCache(owner, 'MISS');
    const intruder = await ctx.http().get('/docs/7').set('X-Tenant', 'globex');
    expect({ status: intruder.status, leaked: /quarterly/.test(intruder.text) }).toEqual({
      status: 403,
      leaked: false,
    });
  });

  it('control: a cold request by the other tenant is a 403', async () => {
    const intruder = await ctx.http().get('/docs/8').set('X-Tenant', 'globex');
    expect(intruder.status).toBe(403);
  });
});
