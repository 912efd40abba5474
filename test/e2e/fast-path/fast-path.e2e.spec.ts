import {
  CallHandler,
  CanActivate,
  Controller,
  Get,
  Header,
  INestApplication,
  Injectable,
  Module,
  NestInterceptor,
  Param,
  Type,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { map } from 'rxjs';
import request from 'supertest';
import { Cached, CacheModule, CacheService, memoryStore } from 'nestjs-cached';
import { CacheInterceptor } from '../../../lib/interceptors/cache.interceptor';
import { LogCapture } from '../helpers/log-capture';
import { Platform, PLATFORMS } from '../helpers/platforms';

const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

@Injectable()
class CountingGuard implements CanActivate {
  canActivate(): boolean {
    count('guard');
    return true;
  }
}

@Injectable()
class WrapInterceptor implements NestInterceptor {
  intercept(_ctx: unknown, next: CallHandler) {
    return next.handle().pipe(map((data) => ({ data })));
  }
}

@Controller('fast')
class FastController {
  @Get('item/:id')
  @Cached({ scope: 'public' })
  @Header('X-Handler', 'yes')
  item(@Param('id') id: string) {
    count(`item:${id}`);
    return { id, list: [1, 2, 3] };
  }

  @Get('twin/:id')
  @Cached({ scope: 'public', fastPath: false })
  @Header('X-Handler', 'yes')
  twin(@Param('id') id: string) {
    count(`twin:${id}`);
    return { id, list: [1, 2, 3] };
  }

  @Get('text')
  @Cached({
    scope: 'public',
    key: 'text:{query.lang}',
    condition: (ctx) => !ctx.switchToHttp().getRequest().query.skip,
  })
  text() {
    count('text');
    return 'plain';
  }

  @Get('param/:id')
  @Cached({ scope: 'public', key: 'param:{params.id}', vary: ['accept-language'] })
  param(@Param('id') id: string) {
    count(`param:${id}`);
    return { id };
  }

  @Get('shared')
  @Cached()
  shared() {
    count('shared');
    return { shared: true };
  }

  @Get('wrapped')
  @Cached({ scope: 'public' })
  @UseInterceptors(WrapInterceptor)
  wrapped() {
    count('wrapped');
    return { wrapped: true };
  }

  @Get('guarded')
  @Cached({ scope: 'public' })
  @UseGuards(CountingGuard)
  guarded() {
    count('guarded');
    return { guarded: true };
  }
}

@UseGuards(CountingGuard)
@Controller('locked')
class LockedController {
  @Get()
  @Cached({ scope: 'public' })
  locked() {
    count('locked');
    return { locked: true };
  }
}

@Module({
  imports: [CacheModule.forRoot({ fastPath: true })],
  controllers: [FastController, LockedController],
})
class FastModule {}

@Controller('open')
class OpenController {
  @Get()
  @Cached({ scope: 'public' })
  open() {
    count('open');
    return { open: true };
  }
}

@Module({ imports: [CacheModule.forRoot({ fastPath: true })], controllers: [OpenController] })
class GlobalGuardModule {}

@Module({
  imports: [CacheModule.forRoot({ fastPath: true })],
  controllers: [OpenController],
  providers: [{ provide: APP_GUARD, useClass: CountingGuard }],
})
class AppGuardModule {}

async function boot(
  platform: Platform,
  module: Type<unknown>,
  setup?: (app: INestApplication) => void,
) {
  const logs = new LogCapture();
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const app =
    platform === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: logs })
      : moduleRef.createNestApplication({ logger: logs });
  let requestId = 0;
  // The app's own middleware: it must run on fast hits too.
  app.use((_req: unknown, res: { setHeader(n: string, v: string): void }, next: () => void) => {
    res.setHeader('x-request-id', String(++requestId));
    next();
  });
  setup?.(app);
  await app.init();
  if (platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return { app, logs, http: () => request(app.getHttpServer()) };
}

/** Headers a cached answer carries, without those that differ per request by nature. */
function comparable(headers: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...headers };
  for (const name of ['date', 'x-request-id', 'connection', 'keep-alive', 'age']) delete rest[name];
  return rest;
}

describe.each(PLATFORMS)('fast path (%s)', (platform) => {
  let app: INestApplication;
  let logs: LogCapture;
  let http: Awaited<ReturnType<typeof boot>>['http'];
  let intercepted: jest.SpyInstance;

  beforeAll(async () => {
    for (const name of Object.keys(calls)) delete calls[name];
    ({ app, logs, http } = await boot(platform, FastModule));
    intercepted = jest.spyOn(CacheInterceptor.prototype, 'intercept');
  });
  afterAll(async () => {
    intercepted.mockRestore();
    await app.close();
  });

  it('answers a hit without entering Nest pipeline, with the bytes and headers of a standard hit', async () => {
    const miss = await http().get('/fast/item/1').expect(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    const before = intercepted.mock.calls.length;
    const hit = await http().get('/fast/item/1').expect(200);
    expect(intercepted.mock.calls.length).toBe(before);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['age']).toMatch(/^\d+$/);
    expect(hit.text).toBe(miss.text);
    expect(hit.headers['x-handler']).toBe('yes');
    expect(calls['item:1']).toBe(1);

    await http().get('/fast/twin/1').expect(200);
    const standard = await http().get('/fast/twin/1').expect(200);
    expect(standard.headers['x-cache']).toBe('HIT');
    expect(intercepted.mock.calls.length).toBe(before + 2);
    expect(hit.text).toBe(standard.text);
    expect(comparable(hit.headers)).toEqual(comparable(standard.headers));
  });

  it("runs the app's middleware on fast hits", async () => {
    await http().get('/fast/item/2');
    const a = await http().get('/fast/item/2').expect(200);
    const b = await http().get('/fast/item/2').expect(200);
    expect(a.headers['x-cache']).toBe('HIT');
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    expect(calls['item:2']).toBe(1);
  });

  it('answers HEAD from the GET entry', async () => {
    await http().get('/fast/item/3');
    const head = await http().head('/fast/item/3').expect(200);
    expect(head.headers['x-cache']).toBe('HIT');
    expect(head.text ?? '').toBe('');
    expect(calls['item:3']).toBe(1);
  });

  it('keeps key templates and conditions', async () => {
    await http().get('/fast/text?lang=en').expect(200);
    await http().get('/fast/text?lang=en').expect(200).expect('x-cache', 'HIT');
    await http().get('/fast/text?lang=fr').expect(200).expect('x-cache', 'MISS');
    await http().get('/fast/text?lang=en&skip=1').expect(200).expect('x-cache', 'BYPASS');
    expect(calls['text']).toBe(3);
  });

  it('fills {params.x} and vary headers on fast hits', async () => {
    await http().get('/fast/param/1').set('accept-language', 'en').expect(200);
    const en = await http().get('/fast/param/1').set('accept-language', 'en').expect(200);
    const fr = await http().get('/fast/param/1').set('accept-language', 'fr').expect(200);
    const two = await http().get('/fast/param/2').set('accept-language', 'en').expect(200);
    expect(en.headers['x-cache']).toBe('HIT');
    expect(fr.headers['x-cache']).toBe('MISS');
    expect(two.headers['x-cache']).toBe('MISS');
    expect(two.body).toEqual({ id: '2' });
    expect(calls['param:1']).toBe(2);
  });

  it('keeps routes with a guard, another interceptor or no public scope on the standard path, with one warning each', async () => {
    const guardBefore = calls['guard'] ?? 0;
    for (let i = 0; i < 3; i++) await http().get('/fast/guarded').expect(200);
    for (let i = 0; i < 3; i++) await http().get('/locked').expect(200);
    expect((calls['guard'] ?? 0) - guardBefore).toBe(6);
    const wrapped = await http().get('/fast/wrapped').expect(200);
    await http().get('/fast/wrapped').expect(200);
    const hit = await http().get('/fast/wrapped').expect(200);
    expect(hit.body).toEqual(wrapped.body);
    expect(hit.body).toEqual({ data: { wrapped: true } });
    for (const where of [
      'FastController@guarded',
      'LockedController@locked',
      'FastController@wrapped',
      'FastController@shared',
    ]) {
      expect(logs.warningsAbout(where).filter((w) => w.includes('fastPath'))).toHaveLength(1);
    }
    expect(logs.warningsAbout('FastController@item')).toHaveLength(0);
    expect(logs.warningsAbout('FastController@twin')).toHaveLength(0);
  });

  it('never serves an entry invalidated or deleted since', async () => {
    const cache = app.get(CacheService);
    await http().get('/fast/item/5').expect(200).expect('x-cache', 'MISS');
    await http().get('/fast/item/5').expect(200).expect('x-cache', 'HIT');
    await cache.invalidateTags('FastController.item');
    await http().get('/fast/item/5').expect(200).expect('x-cache', 'MISS');
    await http().get('/fast/item/5').expect(200).expect('x-cache', 'HIT');
    await cache.clear();
    await http().get('/fast/item/5').expect(200).expect('x-cache', 'MISS');
    expect(calls['item:5']).toBe(3);
  });

  it('never serves another route from its entries (a miss goes to the standard path)', async () => {
    await http().get('/fast/item/9?x=1').expect(200).expect('x-cache', 'MISS');
    await http().get('/fast/twin/9?x=1').expect(200).expect('x-cache', 'MISS');
  });
});

describe.each(PLATFORMS)('fast path never skips a global guard (%s)', (platform) => {
  it.each([
    [
      'useGlobalGuards',
      GlobalGuardModule,
      (app: INestApplication) => app.useGlobalGuards(new CountingGuard()),
    ],
    ['APP_GUARD', AppGuardModule, undefined],
  ] as const)('%s', async (_name, module, setup) => {
    const { app, logs, http } = await boot(platform, module, setup);
    try {
      const before = calls['guard'] ?? 0;
      for (let i = 0; i < 3; i++) await http().get('/open').expect(200);
      expect((calls['guard'] ?? 0) - before).toBe(3);
      expect(
        logs.warningsAbout('OpenController@open').filter((w) => w.includes('guard')),
      ).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});

@Controller('per-route')
class PerRouteController {
  @Get()
  @Cached({ scope: 'public', fastPath: true })
  fast() {
    count('per-route');
    return { fast: true };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [PerRouteController] })
class PerRouteModule {}

describe.each(PLATFORMS)('fast path opted in per route (%s)', (platform) => {
  it('takes the fast path for that route only', async () => {
    const { app, http } = await boot(platform, PerRouteModule);
    const intercepted = jest.spyOn(CacheInterceptor.prototype, 'intercept');
    try {
      await http().get('/per-route').expect(200).expect('x-cache', 'MISS');
      const before = intercepted.mock.calls.length;
      await http().get('/per-route').expect(200).expect('x-cache', 'HIT');
      expect(intercepted.mock.calls.length).toBe(before);
    } finally {
      intercepted.mockRestore();
      await app.close();
    }
  });
});

const countedStore = memoryStore();

@Controller('once')
class OnceController {
  @Get(':id')
  @Cached({ scope: 'public' })
  once(@Param('id') id: string) {
    return { id };
  }
}

@Module({
  imports: [CacheModule.forRoot({ fastPath: true, store: countedStore })],
  controllers: [OnceController],
})
class OnceModule {}

describe.each(PLATFORMS)('fast path misses (%s)', (platform) => {
  it('read the store once: the standard path reuses what the fast path read', async () => {
    const { app, http } = await boot(platform, OnceModule);
    const reads = jest.spyOn(countedStore, 'get');
    try {
      // One store for both platforms' apps (and their entries share identities): start empty.
      await app.get(CacheService).clear();
      await http().get('/once/first').expect(200).expect('x-cache', 'MISS');
      reads.mockClear();
      await http().get('/once/second').expect(200).expect('x-cache', 'MISS');
      expect(reads.mock.calls.filter(([key]) => String(key).includes('second'))).toHaveLength(1);
      await http().get('/once/second').expect(200).expect('x-cache', 'HIT');
    } finally {
      reads.mockRestore();
      await app.close();
    }
  });
});
