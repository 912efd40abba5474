import fc from 'fast-check';
import {
  defaultHttpKey,
  HttpRequestLike,
  RouteIdentity,
  varySuffix,
} from '../../../lib/keys/http-key';

/**
 * A request as the model sees it: a path, query pairs (value `null`: no `=`), the Host header,
 * the route that serves it (`undefined`: not given), the values of the vary headers.
 */
interface Model {
  path: string;
  pairs: [string, string | null][];
  host: string | null;
  route: RouteIdentity | undefined;
  vary: (string | null)[];
}

const VARY = ['accept-language', 'x-tenant'];

function toRequest(model: Model, method = 'GET'): HttpRequestLike {
  const query = model.pairs.map(([name, value]) => (value === null ? name : `${name}=${value}`));
  const url = model.path + (query.length > 0 ? '?' + query.join('&') : '');
  const headers: Record<string, string> = {};
  if (model.host !== null) headers.host = model.host;
  VARY.forEach((name, i) => {
    if (model.vary[i] !== null) headers[name] = model.vary[i]!;
  });
  return { method, url, originalUrl: url, headers };
}

/** What must decide the key: the path, the pairs stably sorted by name, the header values. */
function normalize(model: Model): string {
  const sorted = model.pairs
    .map((pair, i) => ({ pair, i }))
    .sort((a, b) => (a.pair[0] < b.pair[0] ? -1 : a.pair[0] > b.pair[0] ? 1 : a.i - b.i))
    .map(({ pair }) => pair);
  return JSON.stringify([
    model.path,
    model.pairs.length > 0,
    sorted,
    model.route?.name ?? null,
    model.route?.byHost ? model.host : 'host does not matter',
    model.vary,
  ]);
}

const key = (model: Model) => defaultHttpKey(toRequest(model), VARY, model.route);

// Raw URL text: no '?', '#', '&' or whitespace; names have no '='.
const valueChars = fc.constantFrom('a', 'b', '1', '=', '%20', '+', '[', ']', '.', '~', '-', 'é');
const nameChars = fc.constantFrom('a', 'b', 't', '1', '%3D', '+', '[', ']', '.');
const text = (chars: fc.Arbitrary<string>, maxLength = 3) =>
  fc.array(chars, { maxLength }).map((parts) => parts.join(''));
const segment = text(fc.constantFrom('a', 'b', '1', '%2F', '-', '.', '_'), 4);
const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => '/' + s.join('/'));
const pair = fc.tuple(text(nameChars, 2), fc.option(text(valueChars), { nil: null }));
const headerValue = fc.option(fc.constantFrom('', 'fr', 'en', 'fr, en', ' '), { nil: null });
// A Host header may hold what a client puts there, '/' and quotes included.
const host = fc.option(fc.constantFrom('a.example.com', 'b.example.com', 'a', 'a/b', '"a"', ''), {
  nil: null,
});
const route = fc.option(
  fc.record({ name: fc.constantFrom('Items.v1', 'Items.v2'), byHost: fc.boolean() }),
  { nil: undefined },
);
const model: fc.Arbitrary<Model> = fc.record({
  path,
  pairs: fc.array(pair as fc.Arbitrary<[string, string | null]>, { maxLength: 5 }),
  host,
  route,
  vary: fc.tuple(headerValue, headerValue),
});

/** The same query in another order that keeps repeated names in their order. */
function reorder(model: Model, priorities: number[]): Model {
  const order = model.pairs.map((_, i) => i).sort((a, b) => priorities[a] - priorities[b] || a - b);
  const queues = new Map<string, [string, string | null][]>();
  for (const p of model.pairs) queues.set(p[0], [...(queues.get(p[0]) ?? []), p]);
  const names = order.map((i) => model.pairs[i][0]);
  return { ...model, pairs: names.map((name) => queues.get(name)!.shift()!) };
}

/** A near neighbour: a small edit, so that equal-looking keys are tried, not only random ones. */
const neighbour = (base: Model): fc.Arbitrary<Model> =>
  fc.oneof<fc.Arbitrary<Model>[]>(
    fc.constant<Model>({ ...base, vary: [base.vary[1], base.vary[0]] }),
    fc.constant<Model>({ ...base, host: base.host === null ? '' : null }),
    fc.constant<Model>({
      ...base,
      route: base.route === undefined ? { name: 'Items.v1', byHost: true } : undefined,
    }),
    fc.constant<Model>({
      ...base,
      route: base.route && { ...base.route, byHost: !base.route.byHost },
    }),
    fc.constant<Model>({ ...base, host: 'a', path: '/b' + base.path }),
    fc.constant<Model>({ ...base, host: 'a/b' }),
    fc.constant<Model>({ ...base, vary: [base.vary[0] === null ? '' : null, base.vary[1]] }),
    fc.constant({ ...base, pairs: [...base.pairs].reverse() }),
    fc.constant({
      ...base,
      pairs: base.pairs.map(([n, v]) => [n, v === null ? '' : v] as [string, string | null]),
    }),
    fc.constant({ ...base, pairs: base.pairs.slice(1) }),
    fc.constant({ ...base, path: base.path + '/' }),
    fc.constant({ ...base, pairs: [...base.pairs, ['', null] as [string, null]] }),
    model,
  );

describe('defaultHttpKey', () => {
  it('is query-order-insensitive, but keeps repeated parameters in their order (property)', () => {
    fc.assert(
      fc.property(model, fc.array(fc.integer(), { minLength: 5, maxLength: 5 }), (m, prio) => {
        expect(key(reorder(m, prio))).toBe(key(m));
      }),
    );
  });

  it('is injective: two requests share a key only when they are the same request (property)', () => {
    fc.assert(
      fc.property(
        model.chain((a) => fc.tuple(fc.constant(a), neighbour(a))),
        ([a, b]) => {
          expect(key(a) === key(b)).toBe(normalize(a) === normalize(b));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('sorts ?a=1&b=2 and ?b=2&a=1 into one key', () => {
    const req = (url: string) => ({ method: 'GET', url, headers: {} });
    expect(defaultHttpKey(req('/p?a=1&b=2'), [])).toBe(defaultHttpKey(req('/p?b=2&a=1'), []));
  });

  it('keeps ?t=1&t=2 and ?t=2&t=1 apart', () => {
    const req = (url: string) => ({ method: 'GET', url, headers: {} });
    expect(defaultHttpKey(req('/p?t=1&t=2'), [])).not.toBe(defaultHttpKey(req('/p?t=2&t=1'), []));
    expect(defaultHttpKey(req('/p?t=1&x=0&t=2'), [])).toBe(
      defaultHttpKey(req('/p?x=0&t=1&t=2'), []),
    );
  });

  it('gives HEAD the key of GET', () => {
    const url = '/p?a=1';
    expect(defaultHttpKey({ method: 'HEAD', url, headers: {} }, [])).toBe(
      defaultHttpKey({ method: 'GET', url, headers: {} }, []),
    );
  });

  it('reads originalUrl before url (Express sub-routers rewrite url)', () => {
    const a = defaultHttpKey({ method: 'GET', url: '/1', originalUrl: '/api/1', headers: {} }, []);
    const b = defaultHttpKey(
      { method: 'GET', url: '/1', originalUrl: '/other/1', headers: {} },
      [],
    );
    expect(a).not.toBe(b);
  });

  it('keeps routes apart, and hosts too for a controller that routes by host', () => {
    const req = (host?: string) => ({
      method: 'GET',
      url: '/items',
      headers: host === undefined ? {} : { host },
    });
    const v1 = { name: 'ItemsController.v1', byHost: false };
    const v2 = { name: 'ItemsController.v2', byHost: false };
    const tenant = { name: 'TenantController.list', byHost: true };
    const keys = [
      defaultHttpKey(req('acme.example.com'), [], v1),
      defaultHttpKey(req('acme.example.com'), [], v2),
      defaultHttpKey(req('acme.example.com'), [], tenant),
      defaultHttpKey(req('globex.example.com'), [], tenant),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(defaultHttpKey(req('a.example.com'), [], v1)).toBe(
      defaultHttpKey(req('b.example.com'), [], v1),
    );
  });

  it('tells an absent vary header from an empty one', () => {
    const absent = varySuffix({ method: 'GET', headers: {} }, ['x-a']);
    const empty = varySuffix({ method: 'GET', headers: { 'x-a': '' } }, ['x-a']);
    expect(absent).not.toBe(empty);
    expect(varySuffix({ method: 'GET', headers: {} }, [])).toBe('');
  });
});
