import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, ApolloDriverConfig, ApolloFederationDriver } from '@nestjs/apollo';
import { INestApplication, Type } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import {
  MercuriusDriver,
  MercuriusDriverConfig,
  MercuriusFederationDriver,
} from '@nestjs/mercurius';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';

export type Driver = 'apollo' | 'mercurius';
export const DRIVERS: Driver[] = ['apollo', 'mercurius'];

/** The GraphQL module of a test app: Apollo on Express, Mercurius on Fastify. */
export function graphqlModule(
  driver: Driver,
  settings: {
    enhancers?: boolean;
    federation?: boolean;
    context?: (req: any) => Record<string, unknown>;
  } = {},
) {
  const fieldResolverEnhancers = settings.enhancers ? (['interceptors'] as const) : undefined;
  if (driver === 'apollo') {
    return GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: settings.federation ? ApolloFederationDriver : ApolloDriver,
      autoSchemaFile: settings.federation ? { federation: 2 } : true,
      fieldResolverEnhancers: fieldResolverEnhancers as never,
      playground: false,
      // Federation turns on inline tracing, which logs once per app.
      plugins: settings.federation ? [ApolloServerPluginInlineTraceDisabled()] : [],
      ...(settings.context ? { context: ({ req }: any) => settings.context!(req) } : {}),
    });
  }
  return GraphQLModule.forRoot<MercuriusDriverConfig>({
    driver: settings.federation ? MercuriusFederationDriver : MercuriusDriver,
    autoSchemaFile: settings.federation ? { federation: 2 } : true,
    fieldResolverEnhancers: fieldResolverEnhancers as never,
    graphiql: false,
    // mercurius 16.9 loads its query cache through import(), which Jest's CJS runtime cannot do.
    cache: false,
    ...(settings.context ? { context: (req: any) => settings.context!(req) } : {}),
  });
}

/** Boots a GraphQL app; `gql(query, variables, headers)` posts one operation. */
export async function bootGraphql(driver: Driver, module: Type<unknown>) {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const app: INestApplication =
    driver === 'mercurius'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication({ logger: false });
  await app.init();
  if (driver === 'mercurius') await app.getHttpAdapter().getInstance().ready();
  const gql = async (
    query: string,
    variables?: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) => {
    const res = await request(app.getHttpServer())
      .post('/graphql')
      .set(headers)
      .send({ query, variables });
    return res.body as { data?: any; errors?: { message: string }[] };
  };
  return { app, gql };
}
