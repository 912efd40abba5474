import { CanActivate, ExecutionContext, Logger, Module, UseGuards } from '@nestjs/common';
import {
  Args,
  Context,
  Field,
  GqlExecutionContext,
  ID,
  Int,
  Mutation,
  ObjectType,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import { Cached, CacheEvict, CacheModule } from 'nestjs-cached';
import { bootGraphql, Driver, DRIVERS, graphqlModule } from './graphql-apps';

const calls = { book: 0, score: 0, me: 0, shaped: 0, length: 0, words: 0 };

@ObjectType()
class SemBook {
  @Field(() => ID) id!: string;
  @Field() title!: string;
  @Field(() => Int) score?: number;
}

@ObjectType()
class SemNote {
  @Field() text!: string;
  @Field(() => Int) length?: number;
  @Field(() => Int) words?: number;
}

let titles: Record<string, string> = {};

@Resolver(() => SemBook)
class SemBookResolver {
  @Query(() => SemBook)
  @Cached({ ttl: '1m', key: 'book:{args.id}' })
  book(@Args('id', { type: () => ID }) id: string): SemBook {
    calls.book++;
    return { id, title: titles[id] ?? `book ${id}` };
  }

  @Query(() => SemBook)
  @Cached({ ttl: '1m', selection: true })
  shaped(@Args('id', { type: () => ID }) id: string): SemBook {
    calls.shaped++;
    return { id, title: `book ${id}` };
  }

  @Query(() => String)
  @Cached({ ttl: '1m', scope: 'user' })
  me(@Context() context: { req: { user?: { id: string } } }): string {
    calls.me++;
    return `profile of ${context.req.user?.id}`;
  }

  @Mutation(() => SemBook)
  @CacheEvict({ keys: ['book:{args.id}'] })
  rename(@Args('id', { type: () => ID }) id: string, @Args('title') title: string): SemBook {
    if (title === '') throw new Error('empty title');
    titles[id] = title;
    return { id, title };
  }

  @ResolveField(() => Int)
  @Cached('1m')
  score(@Parent() book: SemBook): number {
    calls.score++;
    return book.title.length;
  }
}

@Resolver(() => SemNote)
class SemNoteResolver {
  @Query(() => SemNote)
  note(@Args('text') text: string): SemNote {
    return { text };
  }

  @ResolveField(() => Int)
  @Cached('1m')
  length(@Parent() note: SemNote): number {
    calls.length++;
    return note.text.length;
  }

  @ResolveField(() => Int)
  @Cached({ ttl: '1m', key: 'words:{parent.text}' })
  words(@Parent() note: SemNote): number {
    calls.words++;
    return note.text.split(' ').length;
  }
}

let counter = 0;
const callbacks = { title: 0 };

@ObjectType()
class SemCounter {
  @Field(() => ID) id!: string;
  @Field(() => Int) value!: number;
  @Field() title?: string;
}

@Resolver(() => SemCounter)
@Cached('1m')
class SemCounterResolver {
  @Query(() => SemCounter)
  counter(@Args('id', { type: () => ID }) id: string): SemCounter {
    return { id, value: ++counter };
  }

  @Mutation(() => SemCounter)
  bump(@Args('id', { type: () => ID }) id: string): SemCounter {
    return { id, value: ++counter };
  }

  @ResolveField(() => String)
  @Cached({
    ttl: '1m',
    key: (ctx: ExecutionContext) => `title:${GqlExecutionContext.create(ctx).getRoot().id}`,
    condition: (ctx: ExecutionContext) => GqlExecutionContext.create(ctx).getRoot().id !== 'live',
  })
  title(@Parent() parent: SemCounter): string {
    callbacks.title++;
    return `counter ${parent.id}`;
  }
}

/** Denies operations whose request says `x-deny`. */
class DenyGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    return GqlExecutionContext.create(ctx).getContext().req.headers['x-deny'] === undefined;
  }
}

@Resolver()
class SemGuardedResolver {
  @Query(() => String)
  @UseGuards(DenyGuard)
  @Cached('1m')
  guarded(): string {
    return 'secret';
  }
}

/** Stands in for an auth guard: `Authorization: Bearer <id>` becomes `req.user`. */
function authContext(req: { headers: Record<string, string>; user?: unknown }) {
  const auth = req.headers.authorization;
  if (auth) req.user = { id: auth.replace('Bearer ', '') };
  return { req };
}

function appModule(driver: Driver) {
  @Module({
    imports: [CacheModule.forRoot(), graphqlModule(driver, { context: authContext })],
    providers: [SemBookResolver, SemNoteResolver, SemCounterResolver, SemGuardedResolver],
  })
  class SemanticsApp {}
  return SemanticsApp;
}

describe.each(DRIVERS)('GraphQL cache semantics on %s', (driver: Driver) => {
  let ctx: Awaited<ReturnType<typeof bootGraphql>>;
  let warn: jest.SpyInstance;

  beforeAll(async () => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    ctx = await bootGraphql(driver, appModule(driver));
  });
  afterAll(async () => {
    await ctx.app.close();
    warn.mockRestore();
  });
  beforeEach(() => {
    for (const name of Object.keys(calls)) calls[name as keyof typeof calls] = 0;
    titles = {};
    warn.mockClear();
  });

  it('@CacheEvict on a mutation drops what the query cached, after success only', async () => {
    await ctx.gql('{ book(id: "1") { title } }');
    expect((await ctx.gql('{ book(id: "1") { title } }')).data.book.title).toBe('book 1');
    const failed = await ctx.gql('mutation { rename(id: "1", title: "") { id } }');
    expect(failed.errors).toBeDefined();
    await ctx.gql('{ book(id: "1") { title } }');
    expect(calls.book).toBe(1);
    await ctx.gql('mutation { rename(id: "1", title: "Dune") { id } }');
    expect((await ctx.gql('{ book(id: "1") { title } }')).data.book.title).toBe('Dune');
    expect(calls.book).toBe(2);
  });

  it('runs a cached field resolver every time inside a mutation', async () => {
    await ctx.gql('{ book(id: "2") { score } }');
    await ctx.gql('{ book(id: "2") { score } }');
    expect(calls.score).toBe(1);
    await ctx.gql('mutation { rename(id: "2", title: "Emma") { score } }');
    await ctx.gql('mutation { rename(id: "2", title: "Emma") { score } }');
    expect(calls.score).toBe(3);
  });

  it('bypasses shared entries for a request with Authorization', async () => {
    await ctx.gql('{ book(id: "3") { title } }', {}, { authorization: 'Bearer ann' });
    await ctx.gql('{ book(id: "3") { title } }', {}, { authorization: 'Bearer ann' });
    expect(calls.book).toBe(2);
  });

  it('keeps two users apart with scope: user, and bypasses without a user', async () => {
    const ann = await ctx.gql('{ me }', {}, { authorization: 'Bearer ann' });
    const bob = await ctx.gql('{ me }', {}, { authorization: 'Bearer bob' });
    const annAgain = await ctx.gql('{ me }', {}, { authorization: 'Bearer ann' });
    expect([ann.data.me, bob.data.me, annAgain.data.me]).toEqual([
      'profile of ann',
      'profile of bob',
      'profile of ann',
    ]);
    expect(calls.me).toBe(2);
    await ctx.gql('{ me }');
    await ctx.gql('{ me }');
    expect(calls.me).toBe(4);
  });

  it('runs guards before a hit: a denied request never gets the cached answer', async () => {
    expect((await ctx.gql('{ guarded }')).data).toEqual({ guarded: 'secret' });
    expect((await ctx.gql('{ guarded }')).data).toEqual({ guarded: 'secret' });
    const denied = await ctx.gql('{ guarded }', {}, { 'x-deny': '1' });
    expect(denied.data?.guarded).toBeUndefined();
    expect(denied.errors?.[0].message).toMatch(/Forbidden/i);
  });

  it('class-level @Cached caches queries and leaves mutations alone', async () => {
    counter = 0;
    const first = await ctx.gql('{ counter(id: "c") { value } }');
    const second = await ctx.gql('{ counter(id: "c") { value } }');
    expect([first.data.counter.value, second.data.counter.value]).toEqual([1, 1]);
    const bumped = await ctx.gql('mutation { bump(id: "c") { value } }');
    const again = await ctx.gql('mutation { bump(id: "c") { value } }');
    expect([bumped.data.bump.value, again.data.bump.value]).toEqual([2, 3]);
  });

  it('key and condition callbacks get an ExecutionContext GqlExecutionContext can read', async () => {
    callbacks.title = 0;
    await ctx.gql('{ a: counter(id: "t") { title } }');
    await ctx.gql('{ counter(id: "t") { title } }');
    expect(callbacks.title).toBe(1);
    await ctx.gql('{ counter(id: "live") { title } }');
    await ctx.gql('{ counter(id: "live") { title } }');
    expect(callbacks.title).toBe(3);
  });

  it('selection: true keys by the requested fields, not by aliases, order or fragments', async () => {
    await ctx.gql('{ shaped(id: "1") { id } }');
    await ctx.gql('{ shaped(id: "1") { id title } }');
    expect(calls.shaped).toBe(2);
    await ctx.gql('{ s: shaped(id: "1") { __typename t: title id } }');
    await ctx.gql('{ shaped(id: "1") { ...F } } fragment F on SemBook { title id }');
    expect(calls.shaped).toBe(2);
  });

  it('does not cache a field whose parent has no id (one warning), unless a template keys it', async () => {
    for (let i = 0; i < 3; i++) await ctx.gql('{ note(text: "a b c") { length words } }');
    expect(calls.length).toBe(3);
    expect(calls.words).toBe(1);
    const warnings = warn.mock.calls
      .map(([m]) => String(m))
      .filter((m) => m.includes('SemNoteResolver@length'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/neither id nor _id/);
  });
});

describe('@Cached where a GraphQL answer is never reusable', () => {
  it.each([
    ['Mutation', Mutation],
    ['Subscription', Subscription],
  ])('refuses @Cached on a @%s at bootstrap, naming Class@method', async (_name, decorator) => {
    @Resolver()
    class RefusedResolver {
      @decorator(() => String)
      @Cached('1m')
      change(): string {
        return 'x';
      }
    }
    @Module({ imports: [CacheModule.forRoot()], providers: [RefusedResolver] })
    class RefusedApp {}
    const { Test } = await import('@nestjs/testing');
    const moduleRef = await Test.createTestingModule({ imports: [RefusedApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(/RefusedResolver@change: @Cached on a GraphQL @/);
    await app.close();
  });
});

describe('@Cached on a field resolver when field guards run but interceptors do not', () => {
  it('is refused at bootstrap: a hit would skip the guards', async () => {
    @ObjectType()
    class GuardedThing {
      @Field(() => ID) id!: string;
      @Field() secret?: string;
    }
    @Resolver(() => GuardedThing)
    class GuardedThingResolver {
      @Query(() => GuardedThing)
      thing(): GuardedThing {
        return { id: '1' };
      }
      @ResolveField(() => String)
      @Cached('1m')
      secret(): string {
        return 's';
      }
    }
    const { ApolloDriver } = await import('@nestjs/apollo');
    const { GraphQLModule } = await import('@nestjs/graphql');
    @Module({
      imports: [
        CacheModule.forRoot(),
        GraphQLModule.forRoot({
          driver: ApolloDriver,
          autoSchemaFile: true,
          fieldResolverEnhancers: ['guards'],
        }),
      ],
      providers: [GuardedThingResolver],
    })
    class GuardedApp {}
    const { Test } = await import('@nestjs/testing');
    const moduleRef = await Test.createTestingModule({ imports: [GuardedApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(/GuardedThingResolver@secret: .*'interceptors'/);
    await app.close();
  });
});
