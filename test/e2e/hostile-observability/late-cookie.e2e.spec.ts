import { Controller, Get, Module, Param } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

let runs = 0;

@Controller('late')
class LateController {
  @Get(':id')
  @Cached()
  one(@Param('id') id: string) {
    runs++;
    return { id };
  }
}

@Module({ imports: [CacheModule.forRoot({ namespace: 'late' })], controllers: [LateController] })
class AppModule {}

/**
 * A session library that sets its cookie after the handler (Fastify `onSend`, Express just before
 * the head is written): the response is not stored, and counted as such under `cookie`.
 */
describe.each(PLATFORMS)('a cookie set after the handler, on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;

  beforeAll(async () => {
    ctx = await bootApp(platform, AppModule, (app) => {
      if (platform === 'fastify') {
        const fastify = app.getHttpAdapter().getInstance();
        fastify.addHook(
          'onSend',
          (
            _req: unknown,
            reply: { header(n: string, v: string): void },
            payload: unknown,
            done: (e: null, p: unknown) => void,
          ) => {
            reply.header('set-cookie', 'sid=late');
            done(null, payload);
          },
        );
      } else {
        app.use((_req: unknown, res: ServerResponse, next: () => void) => {
          const writeHead = res.writeHead;
          res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
            this.setHeader('set-cookie', 'sid=late');
            return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
          } as typeof res.writeHead;
          next();
        });
      }
    });
  });
  afterAll(() => ctx.app.close());

  it('is never stored and is counted under cookie once per run', async () => {
    runs = 0;
    await ctx.http().get('/late/1').expect(200).expect('X-Cache', 'MISS');
    await ctx.http().get('/late/1').expect(200).expect('X-Cache', 'MISS');
    const stats = ctx.app.get(CacheService).stats({ bySource: true }).sources![
      'LateController.one'
    ];
    expect({ runs, cookie: stats.notStored.cookie, sets: stats.sets }).toEqual({
      runs: 2,
      cookie: 2,
      sets: 0,
    });
  });
});
