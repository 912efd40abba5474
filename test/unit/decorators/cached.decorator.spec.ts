import { Controller, Get } from '@nestjs/common';
import { CacheConfigError, CacheErrorCode, Cached, CacheEvict, CachePut } from 'nestjs-cached';

/** Decorates `Products.findOne` and returns what was thrown, if anything. */
function decorate(decorator: () => MethodDecorator): unknown {
  try {
    // The class is declared inside so every call decorates a fresh method.
    @Controller('products')
    class ProductsController {
      @Get(':id')
      @decorator()
      findOne() {
        return 1;
      }
    }
    void ProductsController;
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectConfigError(error: unknown, message: RegExp, code?: CacheErrorCode) {
  expect(error).toBeInstanceOf(CacheConfigError);
  // `Class@method: …`, or `Class@method <option>: …` for a duration option other than ttl.
  expect((error as Error).message).toMatch(/^ProductsController@findOne( \w+)?: /);
  expect((error as Error).message).toMatch(message);
  if (code) expect((error as CacheConfigError).code).toBe(code);
}

describe('@Cached at decoration time', () => {
  it.each([
    ['@Cached()', () => Cached()],
    ['@Cached(30_000)', () => Cached(30_000)],
    ["@Cached('30s')", () => Cached('30s')],
    ['@Cached(Infinity)', () => Cached(Infinity)],
    ["@Cached('30s', 'p:{params.id}')", () => Cached('30s', 'p:{params.id}')],
    ['@Cached(ttl, key function)', () => Cached('1m', () => 'k')],
    [
      '@Cached({ ... })',
      () => Cached({ ttl: '1m', key: 'k', tags: ['t'], scope: 'user', vary: ['X-A'] }),
    ],
    ['@Cached({ key }) alone', () => Cached({ key: 'products' })],
  ])('accepts %s', (_, decorator) => {
    expect(decorate(decorator)).toBeUndefined();
  });

  it("rejects @Cached('soon') and says how to set a key alone", () => {
    expectConfigError(
      decorate(() => Cached('soon' as never)),
      /'soon' is not a duration.*@Cached\(\{ key: 'soon' \}\)/,
      CacheErrorCode.InvalidTtl,
    );
  });

  it.each([
    ['@Cached(0)', () => Cached(0)],
    ['@Cached(-5)', () => Cached(-5)],
    ['@Cached(NaN)', () => Cached(NaN)],
    ["@Cached('0s')", () => Cached('0s' as never)],
    ['@Cached({ ttl: -1 })', () => Cached({ ttl: -1 })],
    ['@Cached({ ttl: 0 })', () => Cached({ ttl: 0 })],
    ["@Cached({ ttl: 'soon' })", () => Cached({ ttl: 'soon' as never })],
    ['@Cached({ staleWhileRevalidate: -1 })', () => Cached({ staleWhileRevalidate: -1 })],
    ['@CachePut({ ttl: 0 })', () => CachePut({ ttl: 0 })],
  ])('rejects %s as an invalid ttl', (_, decorator) => {
    expectConfigError(decorate(decorator), /invalid ttl/, CacheErrorCode.InvalidTtl);
  });

  it('rejects an unknown option and lists the known ones', () => {
    expectConfigError(
      decorate(() => Cached({ ttl: '1m', expires: 5 } as never)),
      /unknown option 'expires'.*ttl, key, tags/,
    );
  });

  it.each([
    ['scope', () => Cached({ scope: 'private' as never })],
    ['condition', () => Cached({ condition: true as never })],
    ['unless', () => Cached({ unless: 'x' as never })],
    ['vary', () => Cached({ vary: 'accept' as never })],
    ['vary', () => Cached({ vary: [''] })],
    ['tags', () => Cached({ tags: 'products' as never })],
    ['key', () => Cached({ key: '' })],
    ['key', () => Cached({ key: 5 as never })],
    ['key', () => (Cached as (...args: unknown[]) => MethodDecorator)({ key: 'k' }, 'again')],
  ])('rejects a bad %s option', (option, decorator) => {
    expectConfigError(decorate(decorator), new RegExp(`option '${option}'`));
  });

  it('rejects a keyFactory that is not a class', () => {
    expectConfigError(
      decorate(() => Cached({ keyFactory: (() => 'k') as never })),
      /keyFactory .* is not a class/,
      CacheErrorCode.InvalidKeyFactory,
    );
  });

  it('rejects a bad key template', () => {
    expectConfigError(
      decorate(() => Cached('1m', 'p:{params.id')),
      /key template/,
      CacheErrorCode.InvalidKeyTemplate,
    );
  });

  it('names the class alone when the class is decorated', () => {
    let error: unknown;
    try {
      @Cached({ ttl: -1 })
      @Controller('x')
      class ReportsController {}
      void ReportsController;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toMatch(/^ReportsController: invalid ttl/);
  });
});

describe('@CacheEvict at decoration time', () => {
  it('needs keys, tags or all', () => {
    expectConfigError(
      decorate(() => CacheEvict({})),
      /keys, tags or all/,
    );
  });

  it('rejects an unknown option', () => {
    expectConfigError(
      decorate(() => CacheEvict({ tags: ['t'], later: true } as never)),
      /unknown option 'later'/,
    );
  });
});
