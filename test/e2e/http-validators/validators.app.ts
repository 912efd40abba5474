import { Controller, Get, Header, HttpCode, Module, Param, Res } from '@nestjs/common';
import { Cached, CacheModule, CacheModuleOptions } from 'nestjs-cached';
import { counters } from '../helpers/safety';

/** Handler call counts by route, shared by the validator specs. */
export const { calls, count, reset } = counters();

/** Holds the `stale` route's handler while set (to observe STALE answers during a refresh). */
export const hold: { gate?: Promise<void> } = {};

type Reply = { header(name: string, value: string): unknown };

/** Routes that exercise validators and cache headers; each handler counts its runs. */
@Controller('v')
export class ValidatorsController {
  @Get('plain/:id')
  @Cached({ vary: ['Accept-Language'] })
  plain(@Param('id') id: string) {
    count(`plain:${id}`);
    return { id, text: 'hello' };
  }

  @Get('strong')
  @Cached({ etag: 'strong' })
  strong() {
    count('strong');
    return { strong: true };
  }

  @Get('no-etag')
  @Cached({ etag: false })
  noEtag() {
    count('no-etag');
    return { etag: false };
  }

  /** A handler's own validator, set through the response it is given. */
  @Get('own-etag')
  @Cached()
  ownEtag(@Res({ passthrough: true }) res: Reply) {
    count('own-etag');
    res.header('ETag', '"v42"');
    return { own: true };
  }

  @Get('declared-etag')
  @Cached()
  @Header('ETag', 'W/"declared"')
  declaredEtag() {
    count('declared-etag');
    return { declared: true };
  }

  @Get('extra')
  @Cached()
  extra(@Res({ passthrough: true }) res: Reply) {
    count('extra');
    res.header('Expires', 'Thu, 01 Jan 2037 00:00:00 GMT');
    res.header('Content-Location', '/v/extra');
    res.header('Content-Language', 'fr');
    return { extra: true };
  }

  /** A stored 404 (the module stores 404s). */
  @Get('missing')
  @Cached()
  @HttpCode(404)
  missing() {
    count('missing');
    return { missing: true };
  }

  @Get('created')
  @Cached()
  @HttpCode(203)
  created() {
    count('created');
    return { created: true };
  }

  /** A status the module does not store: the response is left as the framework made it. */
  @Get('unstored')
  @Cached()
  @HttpCode(201)
  unstored() {
    count('unstored');
    return { unstored: true };
  }

  @Get('modified')
  @Cached({ lastModified: true })
  modified() {
    count('modified');
    return { modified: true };
  }

  @Get('cc')
  @Cached({
    ttl: '2m',
    staleWhileRevalidate: '30s',
    cacheControl: {
      sMaxAge: '1h',
      staleWhileRevalidate: true,
      staleIfError: '1d',
      immutable: true,
    },
  })
  cacheControl() {
    count('cc');
    return { cc: true };
  }

  @Get('cc-default')
  @Cached({ ttl: 1500, cacheControl: {} })
  cacheControlDefault() {
    count('cc-default');
    return { cc: 'default' };
  }

  @Get('cc-own')
  @Cached({ cacheControl: { maxAge: '1m' } })
  cacheControlOwn(@Res({ passthrough: true }) res: Reply) {
    count('cc-own');
    res.header('Cache-Control', 'public, max-age=7');
    return { own: true };
  }

  @Get('mine')
  @Cached({ scope: 'user' })
  mine() {
    count('mine');
    return { mine: true };
  }

  @Get('mine-cc')
  @Cached({ scope: 'user', ttl: '1m', cacheControl: { sMaxAge: '1h' } })
  mineWithCacheControl() {
    count('mine-cc');
    return { mine: 'cc' };
  }

  @Get('vary-merge')
  @Cached({ vary: ['accept-language', 'X-Tenant'] })
  varyMerge(@Res({ passthrough: true }) res: Reply) {
    count('vary-merge');
    res.header('Vary', 'Accept-Language');
    return { vary: true };
  }

  @Get('vary-star')
  @Cached({ vary: ['accept-language'] })
  varyStar(@Res({ passthrough: true }) res: Reply) {
    count('vary-star');
    res.header('Vary', '*');
    return { vary: '*' };
  }

  @Get('never/:how')
  @Cached()
  never(@Param('how') how: string, @Res({ passthrough: true }) res: Reply) {
    count(`never:${how}`);
    const headers: Record<string, [string, string]> = {
      'no-cache': ['Cache-Control', 'no-cache'],
      'no-cache-fields': ['Cache-Control', 'no-cache="set-cookie"'],
      'max-age-0': ['Cache-Control', 'public, max-age=0'],
      's-maxage-0': ['Cache-Control', 'public, max-age=60, s-maxage=0'],
      surrogate: ['Surrogate-Control', 'no-store'],
    };
    const [name, value] = headers[how];
    res.header(name, value);
    return { how };
  }

  @Get('honor/:id')
  @Cached({ honorRequestCacheControl: true })
  honor(@Param('id') id: string) {
    return { id, run: count(`honor:${id}`) };
  }

  @Get('stale')
  @Cached({ ttl: 50, staleWhileRevalidate: '10s' })
  async stale() {
    const run = count('stale');
    if (hold.gate) await hold.gate;
    return { run };
  }
}

/** A module with the validator routes; `options` go to `CacheModule.forRoot`. */
export function validatorsModule(options: CacheModuleOptions = {}) {
  @Module({
    imports: [
      CacheModule.forRoot({
        statuses: [200, 203, 404],
        userKey: (ctx) => ctx.switchToHttp().getRequest().headers['x-user'],
        ...options,
      }),
    ],
    controllers: [ValidatorsController],
  })
  class ValidatorsModule {}
  return ValidatorsModule;
}
