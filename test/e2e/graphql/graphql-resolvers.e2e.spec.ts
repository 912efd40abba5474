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
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootGraphql, Driver, DRIVERS, graphqlModule } from './graphql-apps';

const calls = { recipe: 0, rating: 0, reviews: 0, tags: 0 };

@ObjectType()
class GqlRecipe {
  @Field(() => ID) id!: string;
  @Field() title!: string;
  @Field(() => Int) rating?: number;
  @Field(() => [String]) tags?: string[];
}

@Resolver(() => GqlRecipe)
class GqlRecipeResolver {
  @Query(() => GqlRecipe)
  @Cached('1m')
  recipe(@Args('id', { type: () => ID }) id: string): GqlRecipe {
    calls.recipe++;
    return { id, title: `recipe ${id}` };
  }

  @Query(() => [GqlRecipe])
  recipes(): GqlRecipe[] {
    return [1, 2, 1, 2, 1].map((n) => ({ id: String(n), title: `recipe ${n}` }));
  }

  @ResolveField(() => Int)
  @Cached('1m')
  async rating(@Parent() recipe: GqlRecipe): Promise<number> {
    calls.rating++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return Number(recipe.id) * 10;
  }

  // No parameter decorators: @nestjs/graphql calls this one through its fast path.
  @ResolveField(() => [String])
  @Cached('1m')
  tags(recipe: GqlRecipe): string[] {
    calls.tags++;
    return [`tag-${recipe.id}`];
  }
}

@Module({})
class Empty {}

function appModule(driver: Driver, enhancers: boolean) {
  @Module({
    imports: [CacheModule.forRoot(), graphqlModule(driver, { enhancers })],
    providers: [GqlRecipeResolver],
  })
  class GraphqlApp {}
  return GraphqlApp ?? Empty;
}

const MATRIX = DRIVERS.flatMap((driver) => [
  [driver, false],
  [driver, true],
]) as [Driver, boolean][];

describe.each(MATRIX)(
  '@Cached resolvers on %s (fieldResolverEnhancers interceptors: %s)',
  (driver, enhancers) => {
    let ctx: Awaited<ReturnType<typeof bootGraphql>>;
    let warn: jest.SpyInstance;

    beforeAll(async () => {
      warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      ctx = await bootGraphql(driver, appModule(driver, enhancers));
    });
    afterAll(async () => {
      await ctx.app.close();
      warn.mockRestore();
    });
    beforeEach(() => {
      calls.recipe = calls.rating = calls.reviews = calls.tags = 0;
    });

    it('runs @Query and @ResolveField resolvers once for two identical operations', async () => {
      const query = '{ recipe(id: "7") { id title rating tags } }';
      const first = await ctx.gql(query);
      const second = await ctx.gql(query);
      expect(first).toEqual({
        data: { recipe: { id: '7', title: 'recipe 7', rating: 70, tags: ['tag-7'] } },
      });
      expect(second).toEqual(first);
      expect(calls).toEqual({ recipe: 1, rating: 1, reviews: 0, tags: 1 });
    });

    it('shares entries across aliases and literal versus variable arguments', async () => {
      await ctx.gql('{ a: recipe(id: "8") { id } }');
      await ctx.gql('query Q($id: ID!) { b: recipe(id: $id) { id } }', { id: '8' });
      await ctx.gql('{ recipe(id: "9") { id } }');
      expect(calls.recipe).toBe(2);
    });

    it('runs a field resolver once per parent id across list positions', async () => {
      const res = await ctx.gql('{ recipes { id rating } }');
      expect(res.data.recipes.map((r: { rating: number }) => r.rating)).toEqual([
        10, 20, 10, 20, 10,
      ]);
      expect(calls.rating).toBe(2);
    });

    it('runs a resolver once for a burst of concurrent identical operations', async () => {
      const query = '{ recipe(id: "42") { id rating } }';
      const answers = await Promise.all(Array.from({ length: 20 }, () => ctx.gql(query)));
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      expect(answers[0]).toEqual({ data: { recipe: { id: '42', rating: 420 } } });
      expect(calls.rating).toBe(1);
      expect(calls.recipe).toBe(1);
    });

    it('tags entries with Type.field', async () => {
      await ctx.gql('{ recipe(id: "3") { id rating } }');
      await ctx.gql('{ recipe(id: "3") { id rating } }');
      expect(calls).toMatchObject({ recipe: 1, rating: 1 });
      await ctx.app.get(CacheService).invalidateTags('GqlRecipe.rating');
      await ctx.gql('{ recipe(id: "3") { id rating } }');
      expect(calls).toMatchObject({ recipe: 1, rating: 2 });
    });
  },
);
