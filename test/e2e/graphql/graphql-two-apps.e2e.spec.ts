import { Module } from '@nestjs/common';
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
