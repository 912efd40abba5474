import { Controller, Get, Module, Param } from '@nestjs/common';
import diagnostics from 'node:diagnostics_channel';
import { Cached, CacheModule, CacheOperationMessage, OPERATION_CHANNEL } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

@Controller('pt')
class PartlyTracedController {
  @Get('ok/:id')
  @Cached()
  ok(@Param('id') id: string) {
    return { id };
  }

  @Get('fail/:id')
  @Cached()
  fail() {
    throw new Error('handler failed');
  }
}

@Module({
  imports: [CacheModule.forRoot({ namespace: 'pt' })],
  controllers: [PartlyTracedController],
})
class AppModule {}

/**
 * An app that subscribes to one phase only (an error logger on `tracing:…:error`, a timer on
 * `asyncEnd`), as Node's TracingChannel allows: it publishes when any phase has subscribers.
 */
describe.each(PLATFORMS)('a tracing subscriber of one phase only, on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  const errors: string[] = [];
  const ends: string[] = [];
  const onError = (message: unknown) => errors.push((message as CacheOperationMessage).operation);
  const onAsyncEnd = (message: unknown) => ends.push((message as CacheOperationMessage).operation);

  beforeAll(async () => {
    ctx = await bootApp(platform, AppModule);
    diagnostics.subscribe(`tracing:${OPERATION_CHANNEL}:error`, onError);
  });
  afterAll(async () => {
    diagnostics.unsubscribe(`tracing:${OPERATION_CHANNEL}:error`, onError);
    await ctx.app.close();
  });

  it('an error-only subscriber is told of a computation that failed', async () => {
    await ctx.http().get('/pt/fail/1').expect(500);
    expect(errors).toContain('compute');
  });

  it('an asyncEnd-only subscriber is told when a computation ends', async () => {
    diagnostics.subscribe(`tracing:${OPERATION_CHANNEL}:asyncEnd`, onAsyncEnd);
    try {
      await ctx.http().get('/pt/ok/1').expect(200);
    } finally {
      diagnostics.unsubscribe(`tracing:${OPERATION_CHANNEL}:asyncEnd`, onAsyncEnd);
    }
    expect(ends).toContain('compute');
  });
});
