import { CacheConfigError, CacheErrorCode } from 'nestjs-cached';
import { isDurationString, parseOptionalTtl, parseTtl } from '../../../lib/core/ttl';

describe('parseTtl', () => {
  it.each([
    [1, 1],
    [250, 250],
    [0.5, 0.5],
    [Infinity, Infinity],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
    ['.5s', 500],
    [' 10s ', 10_000],
  ])('reads %p as %p ms', (input, ms) => {
    expect(parseTtl(input, 'Where')).toBe(ms);
  });

  it.each([
    0,
    -1,
    -Infinity,
    NaN,
    '0s',
    '0ms',
    '-5s',
    'soon',
    '0',
    '10 s',
    '10sec',
    '1h30m',
    '',
    'ms',
    null,
    true,
    {},
    [],
  ])('rejects %p with a CacheConfigError naming where it was given', (input) => {
    let error: unknown;
    try {
      parseTtl(input, 'ProductsController@findOne');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as CacheConfigError).code).toBe(CacheErrorCode.InvalidTtl);
    expect((error as Error).message).toMatch(/^ProductsController@findOne: invalid ttl/);
    expect((error as Error).message).toMatch(/'30s'/); // says how to fix it
  });

  it.each(['10', '60', ' 60 ', '1.5'])(
    'rejects the bare number %p in a string as ambiguous, suggesting a unit',
    (input) => {
      const apply = () => parseTtl(input, 'CacheModule ttl');
      expect(apply).toThrow(CacheConfigError);
      expect(apply).toThrow(/^CacheModule ttl: ttl '.*' is a bare number in a string.*ambiguous/);
      expect(apply).toThrow(new RegExp(`'${input.trim()}s'`));
    },
  );

  it('leaves an option left out as undefined', () => {
    expect(parseOptionalTtl(undefined, 'Where')).toBeUndefined();
    expect(parseOptionalTtl('1s', 'Where')).toBe(1_000);
    expect(() => parseOptionalTtl(0, 'Where')).toThrow(CacheConfigError);
  });
});

describe('isDurationString', () => {
  it('tells a duration from a key', () => {
    expect(isDurationString('30s')).toBe(true);
    expect(isDurationString('250ms')).toBe(true);
    expect(isDurationString('products')).toBe(false);
    expect(isDurationString('product:{params.id}')).toBe(false);
    expect(isDurationString('5')).toBe(false);
  });
});
