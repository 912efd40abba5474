import { INestApplication, Module, Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheModule, CacheModuleOptions, CacheService, CacheStore } from 'nestjs-cached';

/** A listening Express app (loopback, free port) whose CacheModule uses `store`. */
export interface HttpInstance {
  app: INestApplication;
  port: number;
  cache: CacheService;
}

export async function bootHttpInstance(
  store: CacheStore,
  controllers: Type<unknown>[],
  options: { storeTimeout: number } & Omit<CacheModuleOptions, 'store'>,
  providers: Provider[] = [],
): Promise<HttpInstance> {
  @Module({
    imports: [CacheModule.forRoot({ ...options, store })],
    controllers,
    providers,
  })
  class HttpInstanceModule {}
  const moduleRef = await Test.createTestingModule({ imports: [HttpInstanceModule] }).compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address();
  return { app, port, cache: app.get(CacheService) };
}
