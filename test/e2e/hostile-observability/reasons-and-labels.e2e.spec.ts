import {
  Controller,
  Get,
  Module,
  NotFoundException,
  Param,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { Readable } from 'node:stream';
import { Registry } from 'prom-client';
import { Cached, CacheModule, CacheService, SourceStats } from 'nestjs-cached';
import { deferred } from '../helpers/deferred';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

/** Values a hostile app puts in URLs, users and tags: none may ever reach a metric label. */
const SECRETS = ['id-8d1f0c', 'user-77ab', 'tenant-c0ffee'];
const N = 8;

interface Reply {
  header(name: string, value: string): unknown;
  status(code: number): unknown;
}

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
let gate = deferred();

@Controller('r')
class ReasonsController {
  @Get('cookie/:id')
  @Cached()
  cookie(@Param('id') id: string, @Res({ passthrough: true }) res: Reply) {
    count('cookie');
    res.header('Set-Cookie', `sid=${id}`);
    return { id };
  }

  @Get('nostore/:id')
  @Cached()
  noStore(@Param('id') id: string, @Res({ passthrough: true }) res: Reply) {
    count('noStore');
    res.header('Cache-Control', 'no-store');
    return { id };
  }

  @Get('maxage/:id')
  @Cached()
  maxAge(@Param('id') id: string, @Res({ passthrough: true }) res: Reply) {
    count('maxAge');
    res.header('Cache-Control', 'public, max-age=0');
    return { id };
  }

  @Get('surrogate/:id')
  @Cached()
  surrogate(@Param('id') id: string, @Res({ passthrough: true }) res: Reply) {
    count('surrogate');
    res.header('Surrogate-Control', 'no-store');
    return { id };
  }

  @Get('private/:id')
  @Cached()
  private(@Param('id') id: string, @Res({ passthrough: true }) res: Reply) {
    count('private');
    res.header('Cache-Control', 'private');
    return { id };
  }

  @Get('vary/:id')
  @Cached()
  vary(@Param('id') id: string, @Res({ passthrough: true }) res: Reply) {
    count('vary');
    res.header('Vary', 'X-Tenant');
    return { id };
  }

  @Get('status/:id')
  @Cached()
  status(@Param('id') id: string, @Res({ passthrough: true }) res: Reply) {
    count('status');
    res.status(202);
    return { id };
  }

  @Get('throws/:id')
  @Cached()
  throws(@Param('id') id: string) {
    count('throws');
    throw new NotFoundException(`no ${id}`);
  }

  @Get('unless/:id')
  @Cached({ unless: () => true })
  unless(@Param('id') id: string) {
    count('unless');
    return { id };
  }

  @Get('stream/:id')
  @Cached()
  stream(@Param('id') id: string) {
    count('stream');
    return new StreamableFile(Readable.from([Buffer.from(id)]));
  }

  @Get('tagged/:id')
  @Cached({ tags: ['t-{params.id}', `${SECRETS[2]}`], scope: 'user' })
  tagged(@Param('id') id: string) {
    count('tagged');
    return { id };
  }

  @Get('cond/:id')
  @Cached({ condition: () => false })
  cond(@Param('id') id: string) {
    count('cond');
    return { id };
  }

  @Get('plain/:id')
  @Cached()
  plain(@Param('id') id: string) {
    count('plain');
    return { id };
  }

  @Get('slow/:id')
  @Cached()
  async slow(@Param('id') id: string) {
    count('slow');
    await gate.promise;
    return { id };
  }

  @Get('slowcookie/:id')
  @Cached()
  async slowCookie(@Param('id') id: string, @Res({ passthrough: true }) res: Reply) {
    count('slowCookie');
    await gate.promise;
    res.header('Set-Cookie', 'sid=1');
    return { id };
  }
}

function appModule(registry: Registry) {
  @Module({
    imports: [
      CacheModule.forRoot({
        namespace: 'hostile',
        metrics: { prometheus: { registry, prefix: 'hostile_' } },
        userKey: (ctx) => ctx.switchToHttp().getRequest().headers['x-user'],
      }),
    ],
    controllers: [ReasonsController],
  })
  class AppModule {}
  return AppModule;
}

const UNSTORABLE: [
  route: string,
  source: string,
  reason: keyof SourceStats['notStored'],
  expected: number,
][] = [
  ['cookie', 'ReasonsController.cookie', 'cookie', 200],
  ['nostore', 'ReasonsController.noStore', 'no_store', 200],
  ['maxage', 'ReasonsController.maxAge', 'no_store', 200],
  ['surrogate', 'ReasonsController.surrogate', 'no_store', 200],
  ['private', 'ReasonsController.private', 'private', 200],
  ['vary', 'ReasonsController.vary', 'vary', 200],
  ['status', 'ReasonsController.status', 'status', 202],
  ['throws', 'ReasonsController.throws', 'error', 404],
  ['unless', 'ReasonsController.unless', 'unless', 200],
  ['stream', 'ReasonsController.stream', 'stream', 200],
];

/** Each platform's per-source figures after the same traffic, compared at the end. */
const figures: Partial<Record<Platform, Record<string, SourceStats>>> = {};

describe.each(PLATFORMS)('per-source reasons, concurrency and labels on %s', (platform) => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  const registry = new Registry();
  const sources = () => ctx.app.get(CacheService).stats({ bySource: true }).sources!;

  beforeAll(async () => {
    for (const name of Object.keys(runs)) delete runs[name];
    ctx = await bootApp(platform, appModule(registry));
  });
  afterAll(() => ctx.app.close());

  it.each(UNSTORABLE)(
    '/%s: counted once per run under %s, reason %s',
    async (route, source, reason, status) => {
      for (const id of [SECRETS[0], SECRETS[0]]) {
        await ctx.http().get(`/r/${route}/${id}`).expect(status).expect('X-Cache', 'MISS');
      }
      const stats = sources()[source];
      const others = Object.entries(stats.notStored).filter(
        ([name, n]) => name !== reason && n > 0,
      );
      expect({
        misses: stats.misses,
        hits: stats.hits,
        sets: stats.sets,
        refused: stats.notStored[reason],
        others,
      }).toEqual({ misses: 2, hits: 0, sets: 0, refused: 2, others: [] });
    },
  );

  it('bypasses (condition, credentials) and HEAD requests count one lookup each', async () => {
    await ctx.http().get(`/r/cond/${SECRETS[0]}`).expect(200).expect('X-Cache', 'BYPASS');
    await ctx.http().get(`/r/plain/${SECRETS[0]}`).set('Authorization', 'Bearer x').expect(200);
    await ctx.http().head(`/r/plain/${SECRETS[0]}`).expect(200);
    await ctx.http().get(`/r/plain/${SECRETS[0]}`).expect(200).expect('X-Cache', 'MISS');
    await ctx.http().head(`/r/plain/${SECRETS[0]}`).expect(200).expect('X-Cache', 'HIT');
    const cond = sources()['ReasonsController.cond'];
    const plain = sources()['ReasonsController.plain'];
    expect([cond.bypasses, cond.misses + cond.hits]).toEqual([1, 0]);
    expect({ b: plain.bypasses, m: plain.misses, h: plain.hits, sets: plain.sets }).toEqual({
      b: 1,
      m: 2,
      h: 1,
      sets: 1,
    });
  });

  it(`${N} concurrent identical cold requests: one run, one write, N lookups, N-1 joins`, async () => {
    gate = deferred();
    const pending = Array.from({ length: N }, () =>
      ctx
        .http()
        .get(`/r/slow/${SECRETS[0]}`)
        .then((res) => res),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    gate.resolve();
    const answers = await Promise.all(pending);
    expect(answers.map((res) => res.status)).toEqual(Array(N).fill(200));
    const stats = sources()['ReasonsController.slow'];
    expect(runs.slow).toBe(1);
    expect(stats.hits + stats.misses + stats.staleHits + stats.bypasses).toBe(N);
    expect({ sets: stats.sets, coalesced: stats.coalesced }).toEqual({ sets: 1, coalesced: N - 1 });
  });

  it('concurrent unstorable requests: every run is either stored or counted not stored, once', async () => {
    gate = deferred();
    const pending = Array.from({ length: 4 }, () =>
      ctx
        .http()
        .get(`/r/slowcookie/${SECRETS[0]}`)
        .then((r) => r),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    gate.resolve();
    await Promise.all(pending);
    const stats = sources()['ReasonsController.slowCookie'];
    const refused = Object.values(stats.notStored).reduce((a, b) => a + b, 0);
    expect(stats.sets + refused).toBe(runs.slowCookie);
    expect(stats.hits + stats.misses + stats.staleHits + stats.bypasses).toBe(4);
  });

  it('scraped while requests run, never shows a key, a user or a tag value in a label', async () => {
    const traffic = Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ctx.http().get(`/r/tagged/${SECRETS[0]}-${i}`).set('x-user', SECRETS[1]).expect(200),
      ),
    );
    const scrapes = await Promise.all([registry.metrics(), registry.metrics(), registry.metrics()]);
    await traffic;
    await ctx.app.get(CacheService).invalidateTags([`t-${SECRETS[0]}-1`, SECRETS[2]]);
    await ctx.app.get(CacheService).delete(`k:${SECRETS[0]}`);
    scrapes.push(await registry.metrics());
    const allowed = new Set([
      'hostile',
      'memoryStore',
      ...Object.keys(sources()),
      ...['http', 'method', 'service', 'graphql', 'rpc', 'ws'],
      ...['hit', 'stale', 'miss', 'bypass', 'key', 'tag', 'clear', 'timeout', 'damaged', 'error'],
      ...['status', 'cookie', 'no_store', 'private', 'vary', 'stream', 'unless', 'unserializable'],
    ]);
    for (const text of scrapes) {
      const names = text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split('{')[0]);
      expect(names.every((name) => name.startsWith('hostile_'))).toBe(true);
      const values = [...text.matchAll(/="([^"]*)"/g)].map((m) => m[1]);
      expect(values.filter((value) => !allowed.has(value))).toEqual([]);
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }
    const last = scrapes[scrapes.length - 1];
    expect(last).toMatch(
      /hostile_lookups_total\{namespace="hostile",source="ReasonsController.tagged",kind="http",result="miss"\} 20/,
    );
    expect(last).toMatch(/hostile_invalidations_total\{namespace="hostile",kind="tag"\} 2/);
    figures[platform] = sources();
  });
});

describe('Express and Fastify', () => {
  it('count the same traffic the same way', () => {
    expect(figures.express).toBeDefined();
    expect(figures.fastify).toEqual(figures.express);
  });
});
