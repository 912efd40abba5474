import { INestApplicationContext, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { LogCapture } from './log-capture';

/** Boots a module without an HTTP server (lifecycle hooks run) and records its logs. */
export async function bootContext(
  module: Type<unknown>,
): Promise<{ app: INestApplicationContext; logs: LogCapture }> {
  const logs = new LogCapture();
  const moduleRef = await Test.createTestingModule({ imports: [module] })
    .setLogger(logs)
    .compile();
  moduleRef.useLogger(logs);
  await moduleRef.init();
  return { app: moduleRef, logs };
}
