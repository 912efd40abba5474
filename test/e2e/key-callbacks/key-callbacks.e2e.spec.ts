import { Controller, Get, Injectable, Module, Param } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cached, CacheModule } from 'nestjs-cached';
import { LogCapture } from '../helpers/log-capture';
import { bootApp, PLATFORMS } from '../helpers/platforms';

const calls = { key: 0, tag: 0 };

@Controller('callbacks')
class CallbacksController {
  @Get('key/:id')
  @Cached({
    key: (ctx) => {
      const id = ctx.switchToHttp().getRequest().params.id;
      if (id === 'boom') throw new Error('no key for boom');
      return id === 'none' ? (undefined as unknown as string) : `item:${id}`;
    },
  })
  byKey(@Param('id') id: string) {
    calls.key++;
    return { id, calls: calls.key };
  }

  @Get('tag/:id')
  @Cached({
    tags: [
      (ctx) => {
        if (ctx.switchToHttp().getRequest().params.id === 'boom') throw new Error('no tag');
        return 'fine';
      },
    ],
  })
  byTag(@Param('id') id: string) {
    calls.tag++;
    return { id, calls: calls.tag };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [CallbacksController] })
class HttpModule {}

describe.each(PLATFORMS)('key and tag callbacks that fail, on %s', (platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  const logs = new LogCapture();
  beforeAll(async () => (ctx = await bootApp(platform, HttpModule, (app) => app.useLogger(logs))));
  afterAll(() => ctx.app.close());

  it('a key function that throws bypasses the cache; the request still answers', async () => {
    const before = calls.key;
    for (let i = 0; i < 2; i++) {
      const res = await ctx.http().get('/callbacks/key/boom').expect(200);
      expect(res.headers['x-cache']).toBe('BYPASS');
    }
    expect(calls.key - before).toBe(2);
    expect(logs.warningsAbout('CallbacksController@byKey')).toHaveLength(1);
  });

  it('a key function that returns undefined bypasses instead of sharing a key "undefined"', async () => {
    const res = await ctx.http().get('/callbacks/key/none').expect(200);
    expect(res.headers['x-cache']).toBe('BYPASS');
    const ok = await ctx.http().get('/callbacks/key/1').expect(200);
    expect((await ctx.http().get('/callbacks/key/1')).headers['x-cache']).toBe('HIT');
    expect(ok.headers['x-cache']).toBe('MISS');
  });

  it('a tag function that throws leaves the response uncached', async () => {
    const before = calls.tag;
    for (let i = 0; i < 2; i++) {
      const res = await ctx.http().get('/callbacks/tag/boom').expect(200);
      expect(res.headers['x-cache']).toBe('BYPASS');
    }
    expect(calls.tag - before).toBe(2);
    await ctx.http().get('/callbacks/tag/ok').expect(200);
    expect((await ctx.http().get('/callbacks/tag/ok')).headers['x-cache']).toBe('HIT');
  });
});

@Injectable()
class LookupService {
  calls = 0;

  @Cached({ key: (id: string) => (id === 'none' ? (undefined as unknown as string) : `k:${id}`) })
  async find(id: string): Promise<string> {
    this.calls++;
    return `value ${id}`;
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [LookupService] })
class MethodModule {}

describe('a method key function that returns undefined', () => {
  it('runs the method uncached, with one warning', async () => {
    const logs = new LogCapture();
    const moduleRef = await Test.createTestingModule({ imports: [MethodModule] }).compile();
    const app = moduleRef.createNestApplication();
    app.useLogger(logs);
    await app.init();
    const service = app.get(LookupService);
    expect(await service.find('none')).toBe('value none');
    expect(await service.find('none')).toBe('value none');
    expect(service.calls).toBe(2);
    expect(logs.warningsAbout('LookupService@find')).toHaveLength(1);
    await service.find('1');
    await service.find('1');
    expect(service.calls).toBe(3);
    await app.close();
  });
});
