// Type-checked by test/e2e/nest12/nest12-smoke.spec.ts as a TypeScript ESM consumer on Nest 12
// (module/moduleResolution nodenext, so the "import" condition's declarations are the ones read).
// Declarations that fail to resolve would turn these names into `any`, which the check rejects.
import { CacheModule, Cached, CacheService } from 'nestjs-cached';

type IsAny<T> = 0 extends 1 & T ? true : false;

export const notAny: [IsAny<typeof CacheModule>, IsAny<typeof Cached>, IsAny<CacheService>] = [
  false,
  false,
  false,
];
export const root = CacheModule.forRoot({ ttl: '5m' });
export const decorator: MethodDecorator = Cached('1m');
export type Stats = ReturnType<CacheService['stats']>;

// The compat entry point, as a port from @nestjs/cache-manager imports it.
import { CACHE_MANAGER, Cache, CacheInterceptor, CacheKey, CacheTTL } from 'nestjs-cached/compat';
import { CacheModule as CompatCacheModule } from 'nestjs-cached/compat';

export const compatNotAny: [IsAny<Cache>, IsAny<typeof CacheInterceptor>, IsAny<typeof CacheTTL>] =
  [false, false, false];
export const registered = CompatCacheModule.register({ ttl: 5_000, isGlobal: true });
export const token: string = CACHE_MANAGER;
export const keyed: MethodDecorator = CacheKey('all');
export type ManagerGet = ReturnType<Cache['get']>;
