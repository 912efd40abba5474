import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { Args, GraphQLModule, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { Cached, CacheModule } from 'nestjs-cached';

const calls = { author: 0, books: 0 };

@Resolver('Author')
class AuthorResolver {
  @Query('author')
  @Cached('1m')
  author(@Args('id') id: string) {
    calls.author++;
    return { id, name: `author ${id}` };
  }

  @ResolveField('books')
  @Cached('1m')
  books(@Parent() author: { id: string }) {
    calls.books++;
    return [`${author.id}-book`];
  }
}

@Module({
  imports: [
    CacheModule.forRoot(),
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      typeDefs: `
        type Author { id: ID! name: String! books: [String!]! }
        type Query { author(id: ID!): Author! }
      `,
    }),
  ],
  providers: [AuthorResolver],
})
class SchemaFirstApp {}

describe('@Cached in a schema-first GraphQL app', () => {
  it('caches the query and the field resolver', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [SchemaFirstApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const query = { query: '{ author(id: "4") { name books } }' };
      const first = await request(app.getHttpServer()).post('/graphql').send(query);
      const second = await request(app.getHttpServer()).post('/graphql').send(query);
      expect(first.body).toEqual({ data: { author: { name: 'author 4', books: ['4-book'] } } });
      expect(second.body).toEqual(first.body);
      expect(calls).toEqual({ author: 1, books: 1 });
    } finally {
      await app.close();
    }
  });
});
