import { Controller, Get } from '@nestjs/common';
import { Cached, CacheConfigError } from '../../../../lib';
import { resolveOptions } from '../../../../lib/options/resolve-options';
import { emittedCacheControl } from '../../../../lib/http/validators/cache-control';
import { computeEtag } from '../../../../lib/http/validators/etag';
import { requestDirectives } from '../../../../lib/http/validators/request-directives';

describe('validator options', () => {
  it('defaults: weak ETag, no Last-Modified, no Cache-Control, request directives ignored', () => {
    expect(resolveOptions().validators).toEqual({
      etag: 'weak',
      lastModified: false,
      cacheControl: false,
      honorRequestCacheControl: false,
    });
  });

  it.each([
    [{ etag: 'yes' }, /CacheModule: option 'etag' must be 'weak', 'strong' or false/],
    [{ etag: true }, /option 'etag'/],
    [{ lastModified: 'true' }, /option 'lastModified' must be true or false/],
    [{ honorRequestCacheControl: 1 }, /option 'honorRequestCacheControl'/],
    [{ cacheControl: true }, /option 'cacheControl' must be false or an object/],
    [{ cacheControl: { maxAge: 0 } }, /cacheControl.maxAge: invalid ttl 0/],
    [{ cacheControl: { sMaxAge: 'forever' } }, /cacheControl.sMaxAge: invalid ttl/],
    [{ cacheControl: { staleWhileRevalidate: -1 } }, /staleWhileRevalidate: invalid ttl/],
    [{ cacheControl: { immutable: 'yes' } }, /cacheControl.immutable/],
    [{ cacheControl: { maxage: '1m' } }, /unknown option 'maxage'; known options are maxAge/],
  ])('module %j is refused at bootstrap', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(CacheConfigError);
    expect(() => resolveOptions(options as never)).toThrow(message);
  });

  it('a bad decorator option is refused at decoration, naming the handler', () => {
    expect(() => {
      @Controller()
      class ShopController {
        @Get()
        @Cached({ etag: 'W' as never })
        list() {
          return [];
        }
      }
      return ShopController;
    }).toThrow(/ShopController@list: option 'etag'/);
  });
});

describe('emitted Cache-Control', () => {
  const route = { ttl: 90_500, staleWhileRevalidate: 0, staleIfError: 10_000, perUser: false };
  it('whole seconds; ttl and windows from the route; Infinity as one year', () => {
    const cc = (o: object, r = route) =>
      emittedCacheControl({ maxAge: 'ttl', immutable: false, ...o }, r);
    expect(cc({})).toBe('public, max-age=90');
    expect(cc({ sMaxAge: 'ttl', staleIfError: true })).toBe(
      'public, max-age=90, s-maxage=90, stale-if-error=10',
    );
    expect(cc({ staleWhileRevalidate: true })).toBe('public, max-age=90');
    expect(cc({ maxAge: Infinity })).toBe('public, max-age=31536000');
    expect(cc({ sMaxAge: 60_000 }, { ...route, perUser: true })).toBe('private, max-age=90');
    expect(emittedCacheControl(false, route)).toBeUndefined();
    expect(emittedCacheControl(false, { ...route, perUser: true })).toBe('private');
  });
});

describe('request directives', () => {
  it.each([
    [{ 'cache-control': 'no-cache' }, { skipRead: true, noStore: false, onlyIfCached: false }],
    [{ 'cache-control': 'MAX-AGE=0' }, { skipRead: true, noStore: false, onlyIfCached: false }],
    [{ 'cache-control': 'max-age=10' }, { skipRead: false, noStore: false, onlyIfCached: false }],
    [
      { 'cache-control': 'no-store, only-if-cached' },
      { skipRead: false, noStore: true, onlyIfCached: true },
    ],
    [{ pragma: 'no-cache' }, { skipRead: true, noStore: false, onlyIfCached: false }],
    [
      { pragma: 'no-cache', 'cache-control': 'max-age=5' },
      { skipRead: false, noStore: false, onlyIfCached: false },
    ],
    [{}, { skipRead: false, noStore: false, onlyIfCached: false }],
  ])('%j → %j', (headers, directives) => {
    expect(requestDirectives(headers)).toEqual(directives);
  });
});

describe('computeEtag', () => {
  it('depends on status, content type and body', () => {
    const body = Buffer.from('{"a":1}');
    const base = computeEtag(200, 'application/json', body, 'weak');
    expect(base).toMatch(/^W\/"7-/);
    expect(computeEtag(200, 'application/json', '{"a":1}', 'weak')).toBe(base);
    expect(computeEtag(203, 'application/json', body, 'weak')).not.toBe(base);
    expect(computeEtag(200, 'text/plain', body, 'weak')).not.toBe(base);
    expect(computeEtag(200, 'application/json', body, 'strong')).toBe(base.slice(2));
  });
});
