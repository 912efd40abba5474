import {
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  Module,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, SafeApp } from '../helpers/safety';

/**
 * Hostile: a route interceptor inside the cache's (closer to the handler) that wraps the Node
 * response's `end` to log the bytes sent (an access-log / metrics pattern). When the cache decides
 * early not to store (`unless`), it must not undo that wrapper.
 */
const { count, reset } = counters();
const logged: number[] = [];

@Injectable()
class EndSpyInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler) {
    const res = ctx.switchToHttp().getResponse();
    const raw = res.raw ?? res;
    const end = raw.end;
    raw.end = function (this: any, ...args: any[]) {
      logged.push(args[0] ? Buffer.byteLength(args[0]) : 0);
      return end.apply(this, args);
    };
    return next.handle();
  }
}

@Controller('spy')
class SpyController {
  @Get('unless')
  @UseInterceptors(EndSpyInterceptor)
  @Cached({ unless: () => true })
  unless() {
    count('unless');
    return { hello: 'world' };
  }

  @Get('stored')
  @UseInterceptors(EndSpyInterceptor)
  @Cached()
  stored() {
    count('stored');
    return { hello: 'world' };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [SpyController] })
class SpyModule {}

describe.each(PLATFORMS)('hostile: an inner res.end wrapper on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, SpyModule)));
  afterAll(() => ctx.app.close());
  beforeEach(() => {
    reset();
    logged.length = 0;
  });

  it('unless → not stored: the inner wrapper still sees the response it wrapped', async () => {
    await ctx.http().get('/spy/unless').expect(200);
    await ctx.http().get('/spy/unless').expect(200);
    expect(logged).toHaveLength(2);
  });

  it('stored miss: the inner wrapper sees the miss', async () => {
    await ctx.http().get('/spy/stored').expect(200);
    expect(logged).toHaveLength(1);
  });
});
