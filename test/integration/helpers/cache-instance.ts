import { INestApplicationContext, Module, Provider } from '@nestjs/common';
import { CacheModule, CacheService, CacheStore } from 'nestjs-cached';
import { bootContext } from '../../e2e/helpers/app-context';
import { LogCapture } from '../../e2e/helpers/log-capture';

/** One app instance (a Nest application context) with its own CacheModule over `store`. */
export interface CacheInstance {
  app: INestApplicationContext;
  cache: CacheService;
  store: CacheStore;
  logs: LogCapture;
}

export async function bootInstance(
  store: CacheStore,
  options: { namespace?: string; storeTimeout?: number; providers?: Provider[] } = {},
): Promise<CacheInstance> {
  @Module({
    imports: [
      CacheModule.forRoot({
        store,
        ttl: '1m',
        namespace: options.namespace,
        storeTimeout: options.storeTimeout ?? 250,
      }),
    ],
    providers: options.providers ?? [],
  })
  class InstanceModule {}
  const { app, logs } = await bootContext(InstanceModule);
  return { app, cache: app.get(CacheService), store, logs };
}
