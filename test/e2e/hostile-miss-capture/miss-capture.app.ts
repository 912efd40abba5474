import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  Controller,
  ExceptionFilter,
  ExecutionContext,
  Get,
  Header,
  HttpCode,
  Module,
  Redirect,
  Render,
  Res,
  Sse,
  StreamableFile,
  UseFilters,
} from '@nestjs/common';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { interval, map, take } from 'rxjs';
import { Cached, CacheModule } from 'nestjs-cached';
import { counters } from '../helpers/safety';
import { deferred } from '../helpers/deferred';

/** Handler runs by route. */
export const { calls, count, reset } = counters();

/** Holds the `slow` handlers until released. */
export const gates: { slow?: Promise<void> } = {};

/** The placeholder the recorder puts on a miss: it must never be seen outside the process. */
export const HELD = 'nestjs-cached-held';

/** `?stock` bypasses the cache: the response exactly as the framework makes it alone. */
const stockable = (ctx: ExecutionContext) =>
  !('stock' in (ctx.switchToHttp().getRequest<{ query: object }>().query ?? {}));

/** Answers after the handler's value came out (`res.json` threw on a BigInt), as `?mode=` says. */
@Catch()
class AfterHandlerFilter implements ExceptionFilter {
  catch(_error: unknown, host: ArgumentsHost) {
    const http = host.switchToHttp();
    const res = http.getResponse();
    const mode = String(http.getRequest().query.mode);
    if (mode === 'end') {
      res.statusCode = 500;
      res.setHeader('Content-Type', 'text/plain');
      res.end('boom');
    } else if (mode === 'ok') {
      res.status(200).json({ recovered: true });
    } else if (mode === 'buffer') {
      res.status(500).send(Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    } else {
      res.status(Number(mode)).json({ filtered: mode });
    }
  }
}

/** Every route serves `?stock` through the framework alone (BYPASS), as a reference. */
@Controller('m')
export class MissCaptureController {
  @Get('plain')
  @Cached({ condition: stockable })
  plain() {
    count('plain');
    return { plain: true, text: 'é'.repeat(3) };
  }

  @Get('unstored')
  @Cached({ condition: stockable })
  @HttpCode(201)
  unstored() {
    count('unstored');
    return { unstored: true };
  }

  @Get('code/:code')
  @Cached({ condition: stockable })
  @HttpCode(204)
  noContent() {
    count('code');
    return { noContent: true };
  }

  @Get('code205')
  @Cached({ condition: stockable })
  @HttpCode(205)
  resetContent() {
    count('code205');
    return { reset: true };
  }

  @Get('null204')
  @Cached({ condition: stockable })
  @HttpCode(204)
  null204() {
    count('null204');
    return null;
  }

  @Get('after-filter')
  @Cached({ condition: stockable })
  @UseFilters(AfterHandlerFilter)
  afterFilter() {
    count('after-filter');
    return { n: BigInt(1) };
  }

  @Get('default-filter')
  @Cached({ condition: stockable })
  defaultFilter() {
    count('default-filter');
    return { n: BigInt(1) };
  }

  @Get('redirect')
  @Cached({ condition: stockable })
  @Redirect('/elsewhere', 302)
  redirect() {
    count('redirect');
    return { url: '/dynamic' };
  }

  @Get('render')
  @Cached({ condition: stockable })
  @Render('page')
  render() {
    count('render');
    return { name: 'Zoë' };
  }

  @Get('render-unstored')
  @Cached({ condition: stockable })
  @HttpCode(202)
  @Render('page')
  renderUnstored() {
    count('render-unstored');
    return { name: 'Zoë' };
  }

  @Get('render-broken')
  @Cached({ condition: stockable })
  @Render('missing-view')
  renderBroken() {
    count('render-broken');
    return { name: 'nobody' };
  }

  @Get('passthrough-etag')
  @Cached({ condition: stockable })
  passthroughEtag(@Res({ passthrough: true }) res: { setHeader(n: string, v: string): void }) {
    count('passthrough-etag');
    res.setHeader('ETag', '"mine"');
    return { mine: true };
  }

  @Get('declared-etag')
  @Cached({ condition: stockable })
  @Header('ETag', 'W/"declared"')
  declaredEtag() {
    count('declared-etag');
    return { declared: true };
  }

  @Get('throws-after-headers')
  @Cached({ condition: stockable })
  throwsAfterHeaders(@Res({ passthrough: true }) res: { setHeader(n: string, v: string): void }) {
    count('throws-after-headers');
    res.setHeader('ETag', '"partial"');
    res.setHeader('X-Partial', 'yes');
    throw new BadRequestException('half done');
  }

  @Get('own-res')
  @Cached({ condition: stockable })
  ownRes(@Res() res: { json(v: unknown): void }) {
    count('own-res');
    res.json({ own: true });
  }

  @Get('long')
  @Cached({ condition: stockable })
  @Header('Content-Type', 'text/plain; charset=utf-8')
  long() {
    count('long');
    return 'ü€'.repeat(700);
  }

  @Get('long-unstored')
  @Cached({ condition: stockable })
  @HttpCode(203)
  @Header('Content-Type', 'text/plain; charset=utf-8')
  longUnstored() {
    count('long-unstored');
    return 'ü€'.repeat(700);
  }

  @Get('encoded')
  @Cached({ condition: stockable })
  @Header('Content-Encoding', 'x-test')
  @Header('Content-Type', 'text/plain')
  encoded() {
    count('encoded');
    return 'pretend-encoded';
  }

  @Get('file')
  @Cached({ condition: stockable })
  file() {
    count('file');
    return new StreamableFile(Readable.from([Buffer.from('streamed bytes')]), {
      type: 'application/octet-stream',
    });
  }

  @Get('slow')
  @Cached({ condition: stockable })
  async slow() {
    count('slow');
    await gates.slow;
    return { slow: true, text: 'ß'.repeat(2000) };
  }

  @Get('slow-unstored')
  @Cached({ condition: stockable })
  @HttpCode(201)
  async slowUnstored() {
    count('slow-unstored');
    await gates.slow;
    return { slowUnstored: true };
  }

  @Get('swallowed-write')
  @Cached({ condition: stockable })
  swallowedWrite(@Res({ passthrough: true }) res: { write(chunk: unknown): void }) {
    count('swallowed-write');
    try {
      res.write(12345);
    } catch {
      // The app carries on: Node.js refused the chunk, nothing went out.
    }
    return { after: 'a refused write' };
  }
}

/** An event stream under a class-level `@Cached`: left alone, as Nest streams it. */
@Controller('sse')
@Cached({ condition: stockable })
export class EventsController {
  @Sse('events')
  events() {
    count('events');
    return interval(5).pipe(
      take(2),
      map((i) => ({ data: { i } })),
    );
  }
}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [MissCaptureController, EventsController],
})
export class MissCaptureModule {}

/** A view directory with `page.txt`, and Express set up to render it. */
export function expressViews(app: any): void {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-miss-views-'));
  writeFileSync(join(dir, 'page.txt'), 'Hello {{name}}\n');
  app.setBaseViewsDir(dir);
  app.engine('txt', (file: string, opts: any, cb: (e: unknown, s?: string) => void) => {
    cb(null, `Hello ${String(opts.name)}\n`);
  });
  app.setViewEngine('txt');
}

/** A fresh gate: the `slow` handlers wait for `open()`. */
export function closeGate(): () => void {
  const gate = deferred<void>();
  gates.slow = gate.promise;
  return () => gate.resolve();
}
