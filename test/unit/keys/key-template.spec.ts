import { CacheConfigError, CacheErrorCode } from 'nestjs-cached';
import fc from 'fast-check';
import { compileTemplate } from '../../../lib/keys/key-template';

describe('compileTemplate', () => {
  const root = {
    params: { id: '42' },
    query: { page: 2, tags: ['a', 'b'], filter: { b: 1, a: 2 } },
    headers: { 'accept-language': 'fr' },
    user: { id: 7 },
  };

  it('fills placeholders from the request', () => {
    const t = compileTemplate(
      'p:{params.id}:{query.page}:{headers.accept-language}:{user.id}',
      'Where',
    );
    expect(t.render(root)).toBe('p:42:2:fr:7');
    expect(t.roots).toEqual(['params', 'query', 'headers', 'user']);
  });

  it('fills argument placeholders ({0}, {1.id})', () => {
    expect(compileTemplate('u:{0}:{1.id}', 'Where').render(['x', { id: 3 }])).toBe('u:x:3');
  });

  it('writes objects and arrays stably (key order does not matter)', () => {
    const t = compileTemplate('{query.filter}|{query.tags}', 'Where');
    expect(t.render(root)).toBe(
      compileTemplate('{query.filter}|{query.tags}', 'Where').render({
        query: { filter: { a: 2, b: 1 }, tags: ['a', 'b'] },
      }),
    );
  });

  it('renders a missing value apart from an empty one, and a literal template as itself', () => {
    expect(compileTemplate('p:{params.nope.deeper}', 'W').render(root)).toBe('p:%!undefined');
    expect(compileTemplate('p:{query.empty}', 'W').render({ query: { empty: '' } })).toBe('p:');
    expect(compileTemplate('all-products', 'W').render(root)).toBe('all-products');
  });

  it('tolerates spaces inside a placeholder', () => {
    expect(compileTemplate('{ params.id }', 'W').render(root)).toBe('42');
  });

  it.each(['{}', 'a:{ }', '{params.}', '{.id}', 'a:{params.id', 'a:params.id}', '{{params.id}}'])(
    'rejects %p with a CacheConfigError naming where',
    (source) => {
      let error: unknown;
      try {
        compileTemplate(source, 'ProductsController@findOne');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CacheConfigError);
      expect((error as CacheConfigError).code).toBe(CacheErrorCode.InvalidKeyTemplate);
      expect((error as Error).message).toContain('ProductsController@findOne');
    },
  );
});

describe('template rendering is unambiguous', () => {
  const value = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
  );

  it.each(['search:{0}', 'u:{0}:{1}', '{0}/{1}', '{0}x{1}', '{0} {1}%'])(
    'two different argument lists never render alike with %p (property)',
    (source) => {
      const t = compileTemplate(source, 'W');
      const args = fc.array(value, { minLength: t.paths.length, maxLength: t.paths.length });
      fc.assert(
        fc.property(args, args, (a, b) => {
          fc.pre(JSON.stringify(a) !== JSON.stringify(b));
          // A number and its text are one identity (`user:7` whether the id came as 7 or '7').
          const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number';
          fc.pre(!a.every((v, i) => scalar(v) && scalar(b[i]) && String(v) === String(b[i])));
          return t.render(a) !== t.render(b);
        }),
        { numRuns: 500 },
      );
    },
  );

  it('keeps strings and finite numbers as plain text', () => {
    expect(compileTemplate('list:{0}', 'W').render(['1'])).toBe('list:1');
    expect(compileTemplate('user:{0}', 'W').render([7])).toBe('user:7');
    expect(compileTemplate('greet:{0}', 'W').render(['en-GB'])).toBe('greet:en-GB');
  });

  it('tells an array from its JSON text, and absent from empty', () => {
    const t = compileTemplate('search:{query.color}', 'W');
    const array = t.render({ query: { color: ['red', 'blue'] } });
    const text = t.render({ query: { color: '["red","blue"]' } });
    expect(array).not.toBe(text);
    expect(t.render({ query: {} })).not.toBe(t.render({ query: { color: '' } }));
  });

  it('refuses two placeholders side by side', () => {
    expect(() => compileTemplate('{0}{1}', 'W')).toThrow(CacheConfigError);
  });
});
