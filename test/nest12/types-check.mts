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
