import { INestApplication, Type } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

/** Boots a real Nest application on Express or Fastify and returns it with a supertest agent. */
export async function bootApp(
  platform: Platform,
  module: Type<unknown>,
  configure?: (app: INestApplication) => void,
) {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const app =
    platform === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication({ logger: false });
  configure?.(app);
  await app.init();
  if (platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return { app, http: () => request(app.getHttpServer()) };
}
