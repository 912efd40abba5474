import { CallHandler, ExecutionContext, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom, of } from 'rxjs';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { CacheInterceptor } from '../../../lib/interceptors/cache.interceptor';

class ProductsResolver {
  @Cached('1m')
  products() {
    return ['a'];
  }

  @Cached('1m')
  other() {
    return ['b'];
  }
}

function fakeContext(type: string, handler: Function): ExecutionContext {
  const args = [{}, {}, {}, {}];
  return {
    getType: () => type,
    getClass: () => ProductsResolver,
    getHandler: () => handler,
    getArgs: () => args,
    getArgByIndex: (i: number) => args[i],
    switchToHttp: () => {
      throw new Error('not an HTTP context');
    },
    switchToRpc: () => ({ getData: () => ({}), getContext: () => ({}) }),
    switchToWs: () => ({ getData: () => ({}), getClient: () => ({}), getPattern: () => 'p' }),
  } as unknown as ExecutionContext;
}

describe.each(['graphql', 'ws'])(
  'CacheInterceptor on a method no resolver or gateway decorator marks, in a %s context',
  (type) => {
    let interceptor: CacheInterceptor;
    let cache: CacheService;
    let warn: jest.SpyInstance;

    beforeEach(async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [CacheModule.forRoot()],
      }).compile();
      interceptor = moduleRef.get(CacheInterceptor);
      cache = moduleRef.get(CacheService);
      warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    });
    afterEach(() => warn.mockRestore());

    it('runs the handler every time, uncached, with one warning naming it', async () => {
      let calls = 0;
      const next: CallHandler = { handle: () => of(`result ${++calls}`) };
      const ctx = fakeContext(type, ProductsResolver.prototype.products);
      expect(await lastValueFrom(interceptor.intercept(ctx, next))).toBe('result 1');
      expect(await lastValueFrom(interceptor.intercept(ctx, next))).toBe('result 2');
      expect(await lastValueFrom(interceptor.intercept(ctx, next))).toBe('result 3');
      expect(calls).toBe(3);
      const messages = warn.mock.calls.map(([message]) => String(message));
      expect(messages.filter((m) => m.includes('ProductsResolver@products'))).toHaveLength(1);
      expect(messages[0]).toContain(type);
      expect(cache.stats()).toMatchObject({ hits: 0, sets: 0 });
    });

    it('warns once per handler', async () => {
      const next: CallHandler = { handle: () => of(1) };
      await lastValueFrom(
        interceptor.intercept(fakeContext(type, ProductsResolver.prototype.products), next),
      );
      await lastValueFrom(
        interceptor.intercept(fakeContext(type, ProductsResolver.prototype.other), next),
      );
      await lastValueFrom(
        interceptor.intercept(fakeContext(type, ProductsResolver.prototype.other), next),
      );
      const messages = warn.mock.calls.map(([message]) => String(message));
      expect(messages.filter((m) => m.includes('ProductsResolver@products'))).toHaveLength(1);
      expect(messages.filter((m) => m.includes('ProductsResolver@other'))).toHaveLength(1);
    });
  },
);
