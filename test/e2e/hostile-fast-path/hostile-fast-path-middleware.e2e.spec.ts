import {
  Controller,
  Get,
  Header,
  Headers,
  Query,
  INestApplication,
  MiddlewareConsumer,
  Module,
  NestModule,
  VersioningType,
} from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
let requestIds = 0;

@Controller({ path: 'mw', version: '1' })
class MiddlewareController {
  @Get('item')
  @Cached({ scope: 'public' })
  @Header('X-Handler', 'yes')
  item() {
    count('item');
    return { item: true };
  }

  @Get('echo')
  @Cached({ scope: 'public', vary: ['accept-language'] })
  echo(@Query() query: Record<string, string>, @Headers('accept-language') lang?: string) {
    count('echo');
    return { query, lang };
  }
}

@Module({
  imports: [CacheModule.forRoot({ fastPath: true })],
  controllers: [MiddlewareController],
})
class MiddlewareApp implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer
      .apply((req: unknown, res: { setHeader(n: string, v: string): void }, next: () => void) => {
        count('middleware');
        res.setHeader('X-Request-Id', String(++requestIds));
        next();
      })
      .forRoutes(MiddlewareController);
  }
}

describe.each(PLATFORMS)(
  'hostile fast path: middleware and CORS on hits (%s)',
  (platform: Platform) => {
    let app: INestApplication;
    let http: Awaited<ReturnType<typeof bootApp>>['http'];

    beforeAll(async () => {
      ({ app, http } = await bootApp(platform, MiddlewareApp, (a) => {
        a.setGlobalPrefix('api');
        a.enableVersioning({ type: VersioningType.URI });
        a.enableCors({ origin: true });
      }));
    });
    afterAll(() => app.close());
    beforeEach(() => {
      for (const k of Object.keys(calls)) delete calls[k];
    });

    it('runs the middleware and answers CORS for the hit request, not the miss one', async () => {
      const miss = await http()
        .get('/api/v1/mw/item')
        .set('Origin', 'https://a.example')
        .expect(200);
      const hit = await http()
        .get('/api/v1/mw/item')
        .set('Origin', 'https://b.example')
        .expect(200);
      const hit2 = await http()
        .get('/api/v1/mw/item')
        .set('Origin', 'https://b.example')
        .expect(200);
      expect(calls.item).toBe(1);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.text).toBe(miss.text);
      expect(hit.headers['x-handler']).toBe('yes');
      expect(calls.middleware).toBe(3);
      expect(hit.headers['x-request-id']).not.toBe(miss.headers['x-request-id']);
      expect(hit2.headers['x-request-id']).not.toBe(hit.headers['x-request-id']);
      expect(miss.headers['access-control-allow-origin']).toBe('https://a.example');
      expect(hit.headers['access-control-allow-origin']).toBe('https://b.example');
    });

    it('keys fast hits by query string and vary headers', async () => {
      const get = (q: string, lang: string) =>
        http().get(`/api/v1/mw/echo?${q}`).set('Accept-Language', lang).expect(200);
      for (let round = 0; round < 2; round++) {
        expect((await get('a=1', 'en')).body).toEqual({ query: { a: '1' }, lang: 'en' });
        expect((await get('a=2', 'en')).body).toEqual({ query: { a: '2' }, lang: 'en' });
        expect((await get('a=1', 'fr')).body).toEqual({ query: { a: '1' }, lang: 'fr' });
      }
      expect((await get('a=1', 'fr')).headers['x-cache']).toBe('HIT');
      expect(calls.echo).toBe(3);
    });

    it('counts fast hits per source like standard hits', async () => {
      const service = app.get(CacheService);
      const before = service.stats({ bySource: true });
      await http().get('/api/v1/mw/item').expect(200);
      await http().get('/api/v1/mw/item').expect(200);
      const after = service.stats({ bySource: true });
      expect(after.hits - before.hits).toBe(2);
      const hitsBySource = (s: typeof after) =>
        Object.values(s.sources ?? {}).reduce((n, v) => n + v.hits, 0);
      expect(hitsBySource(after) - hitsBySource(before)).toBe(2);
    });
  },
);
