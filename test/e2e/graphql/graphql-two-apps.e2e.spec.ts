import { Injectable, Module, Scope } from '@nestjs/common';
import {
  Args,
  createUnionType,
  Field,
  ID,
  Int,
  ObjectType,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootGraphql, Driver, DRIVERS, graphqlModule } from './graphql-apps';

let errorsLeft = 0;
const calls = { size: 0, pick: 0 };

@ObjectType()
class TwoBox {
  @Field(() => ID) id!: string;
  @Field(() => Int) size?: number;
}

@Resolver(() => TwoBox)
class TwoBoxResolver {
  @Query(() => TwoBox)
  @Cached('1m')
  pick(@Args('id', { type: () => ID }) id: string): TwoBox {
    calls.pick++;
    if (errorsLeft > 0) {
      errorsLeft--;
      throw new Error('flaky');
    }
    return { id };
  }

  @ResolveField(() => Int)
  @Cached('1m')
  size(@Parent() box: TwoBox): number {
    calls.size++;
    return Number(box.id);
  }
}

function appModule(driver: Driver, namespace: string) {
  @Module({
    imports: [CacheModule.forRoot({ namespace }), graphqlModule(driver)],
    providers: [TwoBoxResolver],
  })
  class TwoApp {}
  return TwoApp;
}

describe.each(DRIVERS)('two live %s apps in one process sharing a resolver class', (driver) => {
  let one: Awaited<ReturnType<typeof bootGraphql>>;
  let two: Awaited<ReturnType<typeof bootGraphql>>;

  beforeAll(async () => {
    one = await bootGraphql(driver, appModule(driver, 'one'));
    two = await bootGraphql(driver, appModule(driver, 'two'));
  });
  afterAll(async () => {
    await one.app.close();
    await two.app.close();
  });

  it('caches each app’s field resolvers in its own CacheModule', async () => {
    calls.size = 0;
    await one.gql('{ pick(id: "5") { size } }');
    await one.gql('{ pick(id: "5") { size } }');
    expect(calls.size).toBe(1);
    await two.gql('{ pick(id: "5") { size } }');
    expect(calls.size).toBe(2);
    await one.app.get(CacheService).clear();
    await one.gql('{ pick(id: "5") { size } }');
    expect(calls.size).toBe(3);
    await two.gql('{ pick(id: "5") { size } }');
    expect(calls.size).toBe(3);
  });

  it('never stores an error', async () => {
    calls.pick = 0;
    errorsLeft = 1;
    const failed = await one.gql('{ pick(id: "77") { id } }');
    expect(failed.errors?.[0].message).toMatch(/flaky/);
    const ok = await one.gql('{ pick(id: "77") { id } }');
    const hit = await one.gql('{ pick(id: "77") { id } }');
    expect(ok).toEqual({ data: { pick: { id: '77' } } });
    expect(hit).toEqual(ok);
    expect(calls.pick).toBe(2);
  });
});

const featureCalls = { a: 0, b: 0 };

@ObjectType()
class FeatA {
  @Field(() => ID) id!: string;
  @Field(() => Int) size?: number;
}

@ObjectType()
class FeatB {
  @Field(() => ID) id!: string;
  @Field(() => Int) size?: number;
}

@Resolver(() => FeatA)
class FeatAResolver {
  constructor(readonly cache: CacheService) {}

  @Query(() => FeatA)
  featA(): FeatA {
    return { id: '1' };
  }
  @ResolveField(() => Int)
  @Cached('1m')
  size(): number {
    return ++featureCalls.a;
  }
}

@Resolver(() => FeatB)
class FeatBResolver {
  @Query(() => FeatB)
  featB(): FeatB {
    return { id: '1' };
  }
  @ResolveField(() => Int)
  @Cached('1m')
  size(): number {
    return ++featureCalls.b;
  }
}

@Module({ imports: [CacheModule.forRoot({ namespace: 'a' })], providers: [FeatAResolver] })
class FeatureA {}

@Module({ imports: [CacheModule.forRoot({ namespace: 'b' })], providers: [FeatBResolver] })
class FeatureB {}

describe.each(DRIVERS)('a CacheModule per feature module (%s)', (driver) => {
  it('caches each feature’s field resolvers in the CacheModule its module imports', async () => {
    @Module({ imports: [FeatureA, FeatureB, graphqlModule(driver)] })
    class FeaturesApp {}
    const ctx = await bootGraphql(driver, FeaturesApp);
    try {
      featureCalls.a = featureCalls.b = 0;
      const query = '{ featA { size } featB { size } }';
      await ctx.gql(query);
      await ctx.gql(query);
      expect(featureCalls).toEqual({ a: 1, b: 1 });
      await ctx.app.get(FeatAResolver).cache.clear();
      await ctx.gql(query);
      expect(featureCalls).toEqual({ a: 2, b: 1 });
    } finally {
      await ctx.app.close();
    }
  });
});

@ObjectType()
class UniCat {
  @Field() meow!: string;
}

@ObjectType()
class UniDog {
  @Field() woof!: string;
}

const UniPet = createUnionType({ name: 'UniPet', types: () => [UniCat, UniDog] as const });
let petCalls = 0;

@Resolver()
class UniPetResolver {
  @Query(() => [UniPet])
  @Cached('1m')
  pets(): (UniCat | UniDog)[] {
    petCalls++;
    return [Object.assign(new UniCat(), { meow: 'm' }), Object.assign(new UniDog(), { woof: 'w' })];
  }
}

describe.each(DRIVERS)('a cached union-typed query (%s)', (driver) => {
  it('answers a hit with the types the miss resolved', async () => {
    @Module({
      imports: [CacheModule.forRoot(), graphqlModule(driver)],
      providers: [UniPetResolver],
    })
    class PetsApp {}
    const ctx = await bootGraphql(driver, PetsApp);
    try {
      petCalls = 0;
      const query = '{ pets { __typename ... on UniCat { meow } ... on UniDog { woof } } }';
      const miss = await ctx.gql(query);
      const hit = await ctx.gql(query);
      expect(miss).toEqual({
        data: {
          pets: [
            { __typename: 'UniCat', meow: 'm' },
            { __typename: 'UniDog', woof: 'w' },
          ],
        },
      });
      expect(hit).toEqual(miss);
      expect(petCalls).toBe(1);
    } finally {
      await ctx.app.close();
    }
  });
});

const inherited = { count: 0 };

@ObjectType()
class InhBook {
  @Field(() => ID) id!: string;
  @Field(() => Int) likes?: number;
}

@ObjectType()
class InhFilm {
  @Field(() => ID) id!: string;
  @Field(() => Int) likes?: number;
}

function LikesResolver<T>(type: () => T) {
  @Resolver(type, { isAbstract: true })
  abstract class LikesBase {
    @ResolveField(() => Int)
    @Cached('1m')
    likes(@Parent() parent: { id: string }): number {
      inherited.count++;
      return Number(parent.id);
    }
  }
  return LikesBase;
}

@Resolver(() => InhBook)
class InhBookResolver extends LikesResolver(() => InhBook) {
  @Query(() => InhBook)
  inhBook(): InhBook {
    return { id: '1' };
  }
}

@Resolver(() => InhFilm)
class InhFilmResolver extends LikesResolver(() => InhFilm) {
  @Query(() => InhFilm)
  inhFilm(): InhFilm {
    return { id: '1' };
  }
}

describe.each(DRIVERS)(
  'a cached field resolver inherited by two resolver classes (%s)',
  (driver) => {
    it('keys and tags each type apart', async () => {
      @Module({
        imports: [CacheModule.forRoot(), graphqlModule(driver)],
        providers: [InhBookResolver, InhFilmResolver],
      })
      class InheritApp {}
      const ctx = await bootGraphql(driver, InheritApp);
      try {
        inherited.count = 0;
        const query = '{ inhBook { likes } inhFilm { likes } }';
        await ctx.gql(query);
        await ctx.gql(query);
        expect(inherited.count).toBe(2);
        await ctx.app.get(CacheService).invalidateTags('InhFilm.likes');
        await ctx.gql(query);
        expect(inherited.count).toBe(3);
      } finally {
        await ctx.app.close();
      }
    });
  },
);

const scoped = { query: 0, field: 0 };

@ObjectType()
class ScopedItem {
  @Field(() => ID) id!: string;
  @Field(() => Int) weight?: number;
}

@Resolver(() => ScopedItem)
@Injectable({ scope: Scope.REQUEST })
class ScopedItemResolver {
  static created = 0;
  constructor() {
    ScopedItemResolver.created++;
  }

  @Query(() => ScopedItem)
  @Cached('1m')
  scopedItem(@Args('id', { type: () => ID }) id: string): ScopedItem {
    scoped.query++;
    return { id };
  }

  @ResolveField(() => Int)
  @Cached('1m')
  weight(@Parent() item: ScopedItem): number {
    scoped.field++;
    return Number(item.id);
  }
}

describe.each(DRIVERS)('a request-scoped resolver (%s)', (driver) => {
  it('is cached like a singleton one', async () => {
    @Module({
      imports: [CacheModule.forRoot(), graphqlModule(driver)],
      providers: [ScopedItemResolver],
    })
    class ScopedApp {}
    const ctx = await bootGraphql(driver, ScopedApp);
    try {
      scoped.query = scoped.field = 0;
      const first = await ctx.gql('{ scopedItem(id: "3") { id weight } }');
      const second = await ctx.gql('{ scopedItem(id: "3") { id weight } }');
      expect(second).toEqual(first);
      expect(first).toEqual({ data: { scopedItem: { id: '3', weight: 3 } } });
      expect(scoped).toEqual({ query: 1, field: 1 });
      expect(ScopedItemResolver.created).toBeGreaterThan(1);
    } finally {
      await ctx.app.close();
    }
  });
});
