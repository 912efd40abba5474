import {
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  Module,
  NestInterceptor,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import http from 'node:http';
import { fromEvent, takeUntil } from 'rxjs';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, SafeApp } from '../helpers/safety';
import { listen } from '../hostile-transport/raw-client';

/**
 * Hostile: a global interceptor that stops work when the client goes away (a common pattern for
 * expensive endpoints). The leader's client aborts; the other clients waiting on the same key
 * must still get an answer promptly once the handler has finished.
 */
const { calls, count, reset } = counters();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Injectable()
class CancelOnCloseInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler) {
    const req = ctx.switchToHttp().getRequest();
    const raw = req.raw ?? req;
    return next.handle().pipe(takeUntil(fromEvent(raw.socket, 'close')));
  }
}

@Controller('cc')
class CancelController {
  @Get('report')
  @Cached()
  async report() {
    const n = count('report');
    await sleep(300);
    return { n };
  }

  /** The same route, uncached: the control. */
  @Get('uncached')
  async uncached() {
    const n = count('uncached');
    await sleep(300);
    return { n };
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [CancelController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: CancelOnCloseInterceptor }],
})
class CancelModule {}

describe.each(PLATFORMS)(
  'hostile: cancel-on-disconnect interceptor on %s',
  (platform: Platform) => {
    let ctx: SafeApp;
    let port: number;
    beforeAll(async () => {
      ctx = await bootSafe(platform, CancelModule);
      port = await listen(ctx.app.getHttpServer());
    });
    afterAll(() => ctx.app.close());
    beforeEach(reset);

    const scenario = async (path: string) => {
      const leader = http.get({ host: '127.0.0.1', port, path });
      leader.on('error', () => undefined);
      await sleep(50);
      const started = Date.now();
      const waiters = Array.from({ length: 5 }, () => ctx.http().get(path).timeout(2500));
      await sleep(50);
      leader.destroy();
      const answers = await Promise.all(
        waiters.map((w) =>
          w.then(
            (r) => r,
            (e) => e,
          ),
        ),
      );
      return {
        statuses: answers.map((r: any) => r.status ?? String(r.code ?? r)),
        elapsed: Date.now() - started,
      };
    };

    it('control: the uncached route answers every waiter', async () => {
      const { statuses, elapsed } = await scenario('/cc/uncached');
      expect(statuses).toEqual(Array(5).fill(200));
      expect(elapsed).toBeLessThan(1500);
    });

    it("the leader's client disconnects; waiters answer within a second of the handler finishing", async () => {
      const { statuses, elapsed } = await scenario('/cc/report');
      expect(statuses).toEqual(Array(5).fill(200));
      // the leader's handler ends at ~300 ms; uncached, every waiter is answered by ~600 ms
      expect(elapsed).toBeLessThan(1500);
      expect(calls.report).toBeGreaterThanOrEqual(1);
    }, 9000);
  },
);
