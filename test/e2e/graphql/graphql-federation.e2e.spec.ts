import { Module } from '@nestjs/common';
import {
  Args,
  Directive,
  Field,
  ID,
  ObjectType,
  Query,
  ResolveReference,
  Resolver,
} from '@nestjs/graphql';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootGraphql, Driver, DRIVERS, graphqlModule } from './graphql-apps';

let references = 0;

@ObjectType()
@Directive('@key(fields: "id")')
class FedProduct {
  @Field(() => ID) id!: string;
  @Field() name!: string;
}

@Resolver(() => FedProduct)
class FedProductResolver {
  @Query(() => FedProduct)
  product(@Args('id', { type: () => ID }) id: string): FedProduct {
    return { id, name: `product ${id}` };
  }

  @ResolveReference()
  @Cached('1m')
  async resolveReference(reference: { __typename: string; id: string }): Promise<FedProduct> {
    references++;
    return { id: reference.id, name: `product ${reference.id}` };
  }
}

function appModule(driver: Driver, enhancers: boolean) {
  @Module({
    imports: [CacheModule.forRoot(), graphqlModule(driver, { enhancers, federation: true })],
    providers: [FedProductResolver],
  })
  class FederationApp {}
  return FederationApp;
}

const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on FedProduct { id name } } }`;

const MATRIX = DRIVERS.flatMap((driver) => [
  [driver, false],
  [driver, true],
]) as [Driver, boolean][];

describe.each(MATRIX)(
  '@Cached @ResolveReference on %s (fieldResolverEnhancers interceptors: %s)',
  (driver, enhancers) => {
    let ctx: Awaited<ReturnType<typeof bootGraphql>>;

    beforeAll(async () => {
      ctx = await bootGraphql(driver, appModule(driver, enhancers));
    });
    afterAll(() => ctx.app.close());

    it('resolves each representation once, keyed by type and key fields', async () => {
      references = 0;
      const r = [
        { __typename: 'FedProduct', id: '1' },
        { __typename: 'FedProduct', id: '2' },
      ];
      const first = await ctx.gql(ENTITIES, { r });
      const second = await ctx.gql(ENTITIES, { r: [...r].reverse() });
      expect(first.data._entities).toEqual([
        { id: '1', name: 'product 1' },
        { id: '2', name: 'product 2' },
      ]);
      expect(second.data._entities).toEqual([
        { id: '2', name: 'product 2' },
        { id: '1', name: 'product 1' },
      ]);
      expect(references).toBe(2);
      await ctx.app.get(CacheService).invalidateTags('FedProduct.__resolveReference');
      await ctx.gql(ENTITIES, { r });
      expect(references).toBe(4);
    });
  },
);
