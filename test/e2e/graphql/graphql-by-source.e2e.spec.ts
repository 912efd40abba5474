import { Logger, Module } from '@nestjs/common';
import {
  Args,
  Field,
  ID,
  Int,
  ObjectType,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { Registry } from 'prom-client';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootGraphql, Driver, DRIVERS, graphqlModule } from './graphql-apps';

const SECRET_ID = 'book-4c9e1f';
const calls = { book: 0, pages: 0, broken: 0, shelf: 0 };

// The GraphQL name differs from the class name: sources must use the schema's.
@ObjectType('ObsBook')
class BookModel {
  @Field(() => ID) id!: string;
  @Field(() => Int) pageCount?: number;
}

@Resolver(() => BookModel)
class BookResolver {
  @Query(() => BookModel)
  @Cached('1m')
  async obsBook(@Args('id', { type: () => ID }) id: string): Promise<BookModel> {
    calls.book++;
    await new Promise((resolve) => setTimeout(resolve, 30));
    return { id };
  }

  @ResolveField('pageCount', () => Int)
  @Cached('1m')
  pages(@Parent() book: BookModel): number {
    calls.pages++;
    return book.id.length;
  }

  @Query(() => Int, { nullable: true })
  @Cached('1m')
  obsBroken(): number {
    calls.broken++;
    throw new Error('catalogue down');
  }

  // ttl from the result: an empty shelf for a millisecond, a full one for a minute, 0 is invalid.
  @Query(() => [String])
  @Cached({ ttl: (titles: string[]) => (titles[0] === 'bad' ? 0 : titles.length ? '1m' : 1) })
  obsShelf(@Args('titles', { type: () => [String] }) titles: string[]): string[] {
    calls.shelf++;
    return titles;
  }
}

function appModule(driver: Driver, registry: Registry) {
  @Module({
    imports: [
      CacheModule.forRoot({ metrics: { prometheus: { registry } } }),
      graphqlModule(driver),
    ],
    providers: [BookResolver],
  })
  class ObsGraphqlApp {}
  return ObsGraphqlApp;
}

describe.each(DRIVERS)('per-source counters of resolvers on %s', (driver: Driver) => {
  let ctx: Awaited<ReturnType<typeof bootGraphql>>;
  let warn: jest.SpyInstance;
  const registry = new Registry();
  const sources = () => ctx.app.get(CacheService).stats({ bySource: true }).sources!;

  beforeAll(async () => {
    calls.book = calls.pages = calls.broken = calls.shelf = 0;
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    ctx = await bootGraphql(driver, appModule(driver, registry));
  });
  afterAll(async () => {
    await ctx.app.close();
    warn.mockRestore();
  });

  it('lists every cached resolver from bootstrap, named Type.field, before any traffic', async () => {
    const all = sources();
    for (const name of ['Query.obsBook', 'ObsBook.pageCount', 'Query.obsBroken']) {
      expect(all[name]).toMatchObject({ kind: 'graphql', hits: 0, misses: 0, sets: 0 });
    }
    const text = await registry.metrics();
    expect(text).toContain(
      'nestjs_cached_lookups_total{namespace="cache",source="ObsBook.pageCount",kind="graphql",result="hit"} 0',
    );
  });

  it('counts hits, misses, writes, joins and bypasses per resolver', async () => {
    const query = `{ obsBook(id: "${SECRET_ID}") { id pageCount } }`;
    const burst = await Promise.all(Array.from({ length: 4 }, () => ctx.gql(query)));
    expect(burst[3]).toEqual({ data: { obsBook: { id: SECRET_ID, pageCount: SECRET_ID.length } } });
    await ctx.gql(query);
    await ctx.gql(query, undefined, { authorization: 'Bearer secret-token' });
    expect(calls.book).toBe(2);
    const book = sources()['Query.obsBook'];
    // Concurrent misses join the first one's run: one run, one write.
    expect(book).toMatchObject({ sets: 1, bypasses: 1 });
    expect(book.hits + book.misses).toBe(5);
    expect(book.misses - book.coalesced).toBe(1);
    const pages = sources()['ObsBook.pageCount'];
    expect(pages).toMatchObject({ sets: 1, bypasses: 1 });
    expect(pages.misses - pages.coalesced).toBe(1);
    expect(calls.pages).toBe(2);
  });

  it('counts a thrown resolver as not stored (error)', async () => {
    const res = await ctx.gql('{ obsBroken }');
    expect(res.errors?.[0].message).toBe('catalogue down');
    await ctx.gql('{ obsBroken }');
    expect(calls.broken).toBe(2);
    expect(sources()['Query.obsBroken']).toMatchObject({ misses: 2, sets: 0 });
    expect(sources()['Query.obsBroken'].notStored.error).toBe(2);
  });

  it('takes the ttl from the result; an invalid one is not stored (unless), with one warning', async () => {
    const shelf = (titles: string[]) =>
      ctx.gql('query S($t: [String!]!) { obsShelf(titles: $t) }', { t: titles });
    await shelf(['dune']);
    expect(await shelf(['dune'])).toEqual({ data: { obsShelf: ['dune'] } });
    expect(calls.shelf).toBe(1);
    await shelf([]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await shelf([]);
    expect(calls.shelf).toBe(3);
    warn.mockClear();
    await shelf(['bad']);
    expect(await shelf(['bad'])).toEqual({ data: { obsShelf: ['bad'] } });
    expect(calls.shelf).toBe(5);
    const warnings = warn.mock.calls.map(([message]) => String(message));
    expect(warnings.filter((message) => message.includes('BookResolver@obsShelf'))).toHaveLength(1);
    expect(sources()['Query.obsShelf']).toMatchObject({ sets: 3 });
    expect(sources()['Query.obsShelf'].notStored.unless).toBe(2);
  });

  it('exposes the figures to Prometheus with kind="graphql" and no key or user in labels', async () => {
    const text = await registry.metrics();
    expect(text).toContain(
      'nestjs_cached_lookups_total{namespace="cache",source="Query.obsBook",kind="graphql",result="bypass"} 1',
    );
    expect(text).toContain(
      'nestjs_cached_not_stored_total{namespace="cache",source="Query.obsBroken",reason="error"} 2',
    );
    expect(text).toContain(
      'nestjs_cached_writes_total{namespace="cache",source="ObsBook.pageCount"} 1',
    );
    for (const secret of [SECRET_ID, 'secret-token', 'dune', 'bad'])
      expect(text).not.toContain(secret);
  });
});
