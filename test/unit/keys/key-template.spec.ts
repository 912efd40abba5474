import { CacheConfigError, CacheErrorCode } from 'nestjs-cached';
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
