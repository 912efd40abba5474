import {
  CanActivate,
  ClassSerializerInterceptor,
  Controller,
  Get,
  INestApplication,
  Injectable,
  Module,
  Post,
  UseGuards,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { Exclude } from 'class-transformer';
import { Cached, CacheEvict, CacheModule, CacheService } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
let allow = true;

@Injectable()
class SwitchGuard implements CanActivate {
  canActivate(): boolean {
    count('guard');
    return allow;
  }
}

/** A guard on a base class; the routes live on a subclass. */
@UseGuards(SwitchGuard)
abstract class GuardedBase {}

@Controller('inherited')
class InheritedController extends GuardedBase {
  @Get()
  @Cached({ scope: 'public', fastPath: true })
  inherited() {
    count('inherited');
    return { inherited: true };
  }
}

class Secretive {
  visible = 'yes';
  @Exclude() secret = 'no';
}

@Controller('open')
class OpenController {
  @Get('tagged')
  @Cached({ scope: 'public', fastPath: true, tags: ['open'] })
  tagged() {
    count('tagged');
    return { n: calls.tagged };
  }

  @Get('keyed')
  @Cached({ scope: 'public', fastPath: true, key: 'keyed' })
  keyed() {
    count('keyed');
    return { n: calls.keyed };
  }

  @Post('keyed')
  @CacheEvict({ keys: ['keyed'] })
  evictKeyed() {
    return { evicted: true };
  }

  @Get('serialized')
  @Cached({ scope: 'public', fastPath: true })
  serialized() {
    count('serialized');
    return new Secretive();
  }
}

@Module({ controllers: [InheritedController, OpenController] })
class RoutesModule {}

/** Imported after the cache: its APP_GUARD and APP_INTERCEPTOR still apply everywhere. */
@Module({
  providers: [
    { provide: APP_GUARD, useClass: SwitchGuard },
    { provide: APP_INTERCEPTOR, useClass: ClassSerializerInterceptor },
  ],
})
class LaterModule {}

@Module({
  imports: [CacheModule.forRoot({ isGlobal: true, honorRequestCacheControl: true }), RoutesModule],
})
class PlainApp {}

@Module({ imports: [CacheModule.forRoot({ isGlobal: true }), RoutesModule, LaterModule] })
class LockedApp {}

describe.each(PLATFORMS)('hostile fast path (%s)', (platform: Platform) => {
  let plain: INestApplication;
  let plainHttp: Awaited<ReturnType<typeof bootApp>>['http'];
  let locked: INestApplication;
  let lockedHttp: typeof plainHttp;

  beforeAll(async () => {
    ({ app: plain, http: plainHttp } = await bootApp(platform, PlainApp));
    ({ app: locked, http: lockedHttp } = await bootApp(platform, LockedApp));
  });
  afterAll(async () => {
    await plain.close();
    await locked.close();
  });
  beforeEach(() => {
    for (const k of Object.keys(calls)) delete calls[k];
    allow = true;
  });

  it('runs a guard put on a base class on every hit', async () => {
    await plainHttp().get('/inherited').expect(200);
    await plainHttp().get('/inherited').expect(200);
    allow = false;
    await plainHttp().get('/inherited').expect(403);
    expect(calls.guard).toBe(3);
    expect(calls.inherited).toBe(1);
  });

  it('runs an APP_GUARD from a module imported after the cache on every hit', async () => {
    await lockedHttp().get('/open/tagged').expect(200);
    const hit = await lockedHttp().get('/open/tagged').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    allow = false;
    await lockedHttp().get('/open/tagged').expect(403);
    expect(calls.guard).toBe(3);
  });

  it('keeps ClassSerializerInterceptor (APP_INTERCEPTOR) on hits', async () => {
    const miss = await lockedHttp().get('/open/serialized').expect(200);
    const hit = await lockedHttp().get('/open/serialized').expect(200);
    expect(miss.body).toEqual({ visible: 'yes' });
    expect(hit.body).toEqual({ visible: 'yes' });
    expect(hit.headers['x-cache']).toBe('HIT');
  });

  it('does not answer one app from the other app cache', async () => {
    await plainHttp().get('/open/serialized').expect(200);
    const other = await lockedHttp().get('/open/serialized');
    expect(other.body).toEqual({ visible: 'yes' });
  });

  it('sees an invalidation at once and skips the read on no-cache', async () => {
    const service = plain.get(CacheService);
    const first = await plainHttp().get('/open/tagged').expect(200);
    const hit = await plainHttp().get('/open/tagged').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.text).toBe(first.text);
    await service.invalidateTags(['open']);
    const after = await plainHttp().get('/open/tagged').expect(200);
    expect(after.headers['x-cache']).toBe('MISS');
    expect(after.text).not.toBe(first.text);
    const fresh = await plainHttp()
      .get('/open/tagged')
      .set('Cache-Control', 'no-cache')
      .expect(200);
    expect(fresh.headers['x-cache']).toBe('MISS');
    expect(fresh.text).not.toBe(after.text);
    await service.clear();
    const cleared = await plainHttp().get('/open/tagged').expect(200);
    expect(cleared.headers['x-cache']).toBe('MISS');
  });

  it('sees @CacheEvict and delete at once', async () => {
    const service = plain.get(CacheService);
    const first = await plainHttp().get('/open/keyed').expect(200);
    expect((await plainHttp().get('/open/keyed')).headers['x-cache']).toBe('HIT');
    await plainHttp().post('/open/keyed').expect(201);
    const second = await plainHttp().get('/open/keyed').expect(200);
    expect(second.headers['x-cache']).toBe('MISS');
    expect(second.text).not.toBe(first.text);
    expect((await plainHttp().get('/open/keyed')).headers['x-cache']).toBe('HIT');
    await service.delete('keyed');
    const third = await plainHttp().get('/open/keyed').expect(200);
    expect(third.headers['x-cache']).toBe('MISS');
    expect(third.text).not.toBe(second.text);
  });

  it('answers If-None-Match on a fast hit with the standard 304', async () => {
    const hit = await plainHttp().get('/open/serialized').expect(200);
    const etag = hit.headers.etag;
    expect(etag).toBeDefined();
    const fast = await plainHttp().get('/open/serialized').set('If-None-Match', etag).expect(304);
    expect(fast.text).toBe('');
    expect(fast.headers.etag).toBe(etag);
    expect(fast.headers['x-cache']).toBe('HIT');
    const head = await plainHttp().head('/open/serialized').expect(200);
    expect(head.headers.etag).toBe(etag);
    expect(head.headers['x-cache']).toBe('HIT');
  });
});
