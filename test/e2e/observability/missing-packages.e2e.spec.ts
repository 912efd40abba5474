import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheConfigError, CacheModule, CacheModuleOptions } from 'nestjs-cached';

// What Node throws when a package is not installed.
function notInstalled(name: string): never {
  const error = new Error(`Cannot find module '${name}'`) as Error & { code: string };
  error.code = 'MODULE_NOT_FOUND';
  throw error;
}
jest.mock('prom-client', () => notInstalled('prom-client'));
jest.mock('@opentelemetry/api', () => notInstalled('@opentelemetry/api'));
jest.mock('@nestjs/event-emitter', () => notInstalled('@nestjs/event-emitter'));

async function boot(options: CacheModuleOptions) {
  @Module({ imports: [CacheModule.forRoot(options)] })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.init();
  } finally {
    await app.close();
  }
}

describe('an option whose optional package is not installed', () => {
  it.each([
    [{ metrics: { prometheus: true } }, 'npm install prom-client'],
    [{ metrics: { openTelemetry: true } }, 'npm install @opentelemetry/api'],
    [{ events: true }, 'npm install @nestjs/event-emitter'],
  ])('fails the bootstrap with a CacheConfigError naming it (%j)', async (options, install) => {
    const failure = await boot(options as CacheModuleOptions).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CacheConfigError);
    expect((failure as CacheConfigError).code).toBe('E_MISSING_PACKAGE');
    expect((failure as Error).message).toContain(install);
  });

  it('is not loaded when its option is not set', async () => {
    await expect(boot({})).resolves.toBeUndefined();
  });
});
