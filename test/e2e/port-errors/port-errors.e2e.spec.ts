/**
 * The errors a real port from @nestjs/cache-manager tripped over, each made a CacheConfigError
 * that says what is wrong and how to fix it.
 */
import { Controller, Get, Injectable, Module, UseInterceptors } from '@nestjs/common';
import { CacheInterceptor as CompatCacheInterceptor } from 'nestjs-cached/compat';
import { Test, TestingModule } from '@nestjs/testing';
import * as ts from 'typescript';
import {
  CacheConfigError,
  CacheModule,
  CacheService,
  Cached,
  CacheEvict,
  CachePut,
} from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';

async function initError(root: Function): Promise<unknown> {
  let moduleRef: TestingModule | undefined;
  try {
    moduleRef = await Test.createTestingModule({ imports: [root as never] }).compile();
    await moduleRef.init();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await moduleRef?.close().catch(() => undefined);
  }
}

describe('a module that cannot see CacheModule', () => {
  it('names Class@method of a service and both fixes, instead of a DI error', async () => {
    @Injectable()
    class LinksService {
      @Cached('1m')
      async resolve(code: string): Promise<string> {
        return code;
      }
    }
    @Module({ providers: [LinksService] })
    class LinksModule {}
    @Module({ imports: [CacheModule.forRoot(), LinksModule] })
    class AppModule {}

    const error = await initError(AppModule);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as CacheConfigError).code).toBe('E_CACHE_MODULE_NOT_VISIBLE');
    const message = (error as Error).message;
    expect(message).toContain('LinksService@resolve');
    expect(message).toContain('LinksModule');
    expect(message).toContain('isGlobal: true');
    expect(message).toContain('import CacheModule in LinksModule');
  });

  it('names a controller handler too, and works when CacheModule is imported nowhere', async () => {
    @Controller('links')
    class LinksController {
      @Get()
      @Cached('1m')
      list() {
        return [];
      }
    }
    @Module({ controllers: [LinksController] })
    class AppModule {}

    const error = await initError(AppModule);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toContain('LinksController@list');
  });

  it('names the controller that applies the compat CacheInterceptor', async () => {
    @Controller('legacy')
    @UseInterceptors(CompatCacheInterceptor)
    class LegacyController {
      @Get()
      list() {
        return [];
      }
    }
    @Module({ controllers: [LegacyController] })
    class LegacyModule {}
    @Module({ imports: [CacheModule.forRoot(), LegacyModule] })
    class AppModule {}

    const error = await initError(AppModule);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toMatch(/^LegacyController: LegacyModule cannot see/);
  });

  it('boots when the module imports CacheModule or it is global', async () => {
    @Injectable()
    class LinksService {
      calls = 0;
      @Cached('1m')
      async resolve(code: string): Promise<string> {
        this.calls++;
        return code;
      }
    }
    @Module({ providers: [LinksService] })
    class LinksModule {}
    @Module({ imports: [CacheModule.forRoot({ isGlobal: true }), LinksModule] })
    class AppModule {}

    const { app } = await bootContext(AppModule);
    const links = app.get(LinksService);
    await links.resolve('a');
    await links.resolve('a');
    expect(links.calls).toBe(1);
    await app.close();
  });
});

describe('@Cached on a class property (an arrow function)', () => {
  class Links {
    resolve = async (code: string) => code;
  }

  it.each([
    ['@Cached', () => Cached('1m')],
    ['@CachePut', () => CachePut({ key: 'k' })],
    ['@CacheEvict', () => CacheEvict({ keys: ['k'] })],
  ])('%s throws a CacheConfigError saying to write a method', (_name, decorator) => {
    // What a transpile-only build (ts-node --transpile-only, swc, esbuild) calls: no descriptor.
    const apply = () => (decorator() as any)(Links.prototype, 'resolve', undefined);
    expect(apply).toThrow(CacheConfigError);
    expect(apply).toThrow(/Links@resolve: .*class property.*write it as a method/);
    // Babel's legacy decorators hand over an initializer descriptor instead.
    const initializer = {
      configurable: true,
      enumerable: true,
      writable: true,
      initializer: () => 1,
    };
    expect(() => (decorator() as any)(Links.prototype, 'resolve', initializer)).toThrow(
      CacheConfigError,
    );
  });
});

describe('@Cached on an arrow-function property, compiled transpile-only', () => {
  it('fails when the class is declared, with the CacheConfigError', () => {
    const source = `
      import { Injectable } from '@nestjs/common';
      import { Cached } from 'nestjs-cached';
      @Injectable()
      export class ShortLinks {
        @Cached('1m') resolve = async (code: string) => code;
      }`;
    // What ts-node --transpile-only / isolatedModules builds do: no type check.
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    });
    const load = () => new Function('require', 'exports', outputText)(require, {});
    expect(load).toThrow(CacheConfigError);
    expect(load).toThrow(/ShortLinks@resolve: .*write it as a method/);
  });
});

describe("ttl '60' (a number in a string, as environment variables are)", () => {
  it('says a bare number is ambiguous and suggests a unit, in forRoot', async () => {
    @Module({ imports: [CacheModule.forRoot({ ttl: '60' as never })] })
    class AppModule {}
    const error = await initError(AppModule);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toMatch(/'60' is a bare number in a string.*ambiguous/);
    expect((error as Error).message).toContain("'60s'");
  });

  it('says the same on @Cached and on CacheService calls', async () => {
    class Links {}
    expect(() => Cached('60' as never)(Links)).toThrow(/Links: ttl '60' .*ambiguous.*'60s'/);
    expect(() => Cached({ ttl: '1.5' as never })(Links)).toThrow(/ambiguous.*'1.5s'/);
    @Module({ imports: [CacheModule.forRoot()] })
    class AppModule {}
    const { app } = await bootContext(AppModule);
    await expect(app.get(CacheService).set('k', 1, { ttl: '60' as never })).rejects.toThrow(
      /ambiguous/,
    );
    await app.close();
  });
});
