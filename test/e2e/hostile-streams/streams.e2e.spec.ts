import { Controller, Get, Header, Module, StreamableFile } from '@nestjs/common';
import { Readable } from 'node:stream';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS, Platform } from '../helpers/platforms';
import { bootSafe, counters, SafeApp } from '../helpers/safety';

/** Hostile: streamed bodies. README: a stream is never stored. */
const { count, reset } = counters();

function feed(n: number) {
  return Readable.from([`tick ${n}\n`, 'more\n', 'end\n']);
}

@Controller('s')
class StreamController {
  @Get('readable')
  @Cached()
  @Header('Content-Type', 'text/plain')
  readable() {
    const n = count('readable');
    return feed(n);
  }

  @Get('file')
  @Cached()
  file() {
    const n = count('file');
    return new StreamableFile(Buffer.from(`file ${n}`), { type: 'text/plain' });
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [StreamController] })
class StreamModule {}

describe.each(PLATFORMS)('hostile: streams on %s', (platform: Platform) => {
  let ctx: SafeApp;
  beforeAll(async () => (ctx = await bootSafe(platform, StreamModule)));
  afterAll(() => ctx.app.close());
  beforeEach(reset);

  it('StreamableFile: never stored, body intact each time', async () => {
    const a = await ctx.http().get('/s/file').buffer(true).expect(200);
    const b = await ctx.http().get('/s/file').buffer(true).expect(200);
    expect(a.text ?? a.body.toString()).toBe('file 1');
    expect(b.text ?? b.body.toString()).toBe('file 2');
    expect(b.headers['x-cache']).not.toBe('HIT');
  });

  if (platform === 'fastify') {
    it('a Readable returned without StreamableFile (Fastify streams it) is a stream: not stored', async () => {
      const a = await ctx.http().get('/s/readable').expect(200);
      expect(a.text).toBe('tick 1\nmore\nend\n');
      const b = await ctx.http().get('/s/readable').expect(200);
      // A live stream answers each request anew, as StreamableFile and @Sse do.
      expect({ text: b.text, xCache: b.headers['x-cache'] }).toEqual({
        text: 'tick 2\nmore\nend\n',
        xCache: 'MISS',
      });
    });
  }
});
