import { Controller, Get, Module, Param } from '@nestjs/common';
import diagnostics from 'node:diagnostics_channel';
import {
  Cached,
  CacheModule,
  CacheOperationMessage,
  CacheService,
  OPERATION_CHANNEL,
} from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

@Controller('tr')
class TracedController {
  @Get(':id')
  @Cached()
  one(@Param('id') id: string) {
    return { id };
  }

  @Get('fail/:id')
  @Cached()
  fail() {
    throw new Error('handler failed');
  }
}

@Module({
  imports: [CacheModule.forRoot({ namespace: 'tr' })],
  controllers: [TracedController],
})
class AppModule {}

describe.each(PLATFORMS)('the tracing channel on %s', (platform: Platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  const channel = diagnostics.tracingChannel<CacheOperationMessage>(OPERATION_CHANNEL);
  const seen: string[] = [];
  const record = (phase: string) => (message: CacheOperationMessage) =>
    seen.push(`${phase}:${message.operation}:${message.key ?? ''}${message.error ? ':error' : ''}`);
  const handlers = {
    start: record('start'),
    end: record('end'),
    asyncStart: record('asyncStart'),
    asyncEnd: record('asyncEnd'),
    error: record('error'),
  };

  beforeAll(async () => {
    ctx = await bootApp(platform, AppModule);
    channel.subscribe(handlers);
  });
  afterAll(async () => {
    channel.unsubscribe(handlers);
    await ctx.app.close();
  });
  beforeEach(() => (seen.length = 0));

  it('traces lookup, compute and store on a miss, and only lookup on a hit', async () => {
    await ctx.http().get('/tr/1').expect(200);
    const ops = seen.filter((s) => s.startsWith('start:')).map((s) => s.split(':')[1]);
    expect(ops).toEqual(['lookup', 'compute', 'store']);
    // Every started operation ends (synchronously or after its promise).
    for (const op of ['lookup', 'compute', 'store']) {
      expect(seen.some((s) => s.startsWith(`end:${op}:`))).toBe(true);
    }
    expect(seen.some((s) => s.startsWith('asyncEnd:compute:'))).toBe(true);
    seen.length = 0;
    await ctx.http().get('/tr/1').expect('X-Cache', 'HIT');
    expect(seen.filter((s) => s.startsWith('start:'))).toHaveLength(1);
    expect(seen[0]).toMatch(/^start:lookup:/);
  });

  it('traces invalidations with what they name', async () => {
    const cache = ctx.app.get(CacheService);
    await cache.delete('some-key');
    await cache.invalidateTags(['TracedController.one']);
    await cache.clear();
    expect(seen.filter((s) => s.startsWith('start:'))).toEqual([
      'start:invalidate:some-key',
      'start:invalidate:TracedController.one',
      'start:invalidate:',
    ]);
  });

  it('reports a computation that rejected on the error channel', async () => {
    const cache = ctx.app.get(CacheService);
    await expect(cache.wrap('w', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(seen).toContain('error:compute:w:error');
    expect(seen).toContain('asyncEnd:compute:w:error');
  });

  it('ends the compute of a handler that threw (the request answers 500)', async () => {
    await ctx.http().get('/tr/fail/1').expect(500);
    expect(seen.filter((s) => /^(start|asyncEnd):compute:/.test(s))).toHaveLength(2);
  });
});
