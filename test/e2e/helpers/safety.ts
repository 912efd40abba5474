import { INestApplication, Type } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { LogCapture } from './log-capture';
import { Platform } from './platforms';

export interface SafeBootOptions {
  /** Runs before `app.init()`: register plugins, hooks, middleware, settings. */
  configure?: (app: any, platform: Platform) => void | Promise<void>;
  /** Options of `new FastifyAdapter(...)` (e.g. `{ trustProxy: true }`). */
  fastify?: ConstructorParameters<typeof FastifyAdapter>[0];
}

export type SafeApp = {
  app: INestApplication;
  logs: LogCapture;
  http: () => ReturnType<typeof request>;
  /** The underlying Express app or Fastify instance. */
  instance: any;
};

/**
 * Like `bootApp`, but records the app's logs (warnings) and lets a test pass adapter options and
 * configure the app (plugins, hooks, middleware) before it is initialised.
 */
export async function bootSafe(
  platform: Platform,
  module: Type<unknown>,
  options: SafeBootOptions = {},
): Promise<SafeApp> {
  const logs = new LogCapture();
  const moduleRef = await Test.createTestingModule({ imports: [module] })
    .setLogger(logs)
    .compile();
  const app =
    platform === 'fastify'
      ? moduleRef.createNestApplication<NestFastifyApplication>(
          new FastifyAdapter(options.fastify),
          { logger: logs },
        )
      : moduleRef.createNestApplication<NestExpressApplication>({ logger: logs });
  const instance: any = app.getHttpAdapter().getInstance();
  await options.configure?.(app, platform);
  await app.init();
  if (platform === 'fastify') await instance.ready();
  return { app, logs, instance, http: () => request(app.getHttpServer()) };
}

/** Headers that legitimately differ between a miss and a hit. */
const VOLATILE = new Set(['date', 'age', 'x-cache', 'connection', 'keep-alive']);

/** The response headers a hit must repeat, lower-cased, without the volatile ones. */
export function stableHeaders(res: { headers: Record<string, unknown> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (!VOLATILE.has(name.toLowerCase())) out[name.toLowerCase()] = value;
  }
  return out;
}

/** Asserts that `hit` carries the same status, body bytes and headers as `miss`. */
export function expectSameResponse(
  miss: { status: number; text: string; headers: Record<string, unknown> },
  hit: { status: number; text: string; headers: Record<string, unknown> },
) {
  expect({ status: hit.status, text: hit.text }).toEqual({ status: miss.status, text: miss.text });
  expect(stableHeaders(hit)).toEqual(stableHeaders(miss));
}

/** A call counter shared by a spec's handlers. */
export function counters() {
  const calls: Record<string, number> = {};
  return {
    calls,
    count: (name: string) => (calls[name] = (calls[name] ?? 0) + 1),
    reset: () => Object.keys(calls).forEach((k) => delete calls[k]),
  };
}

/** The `name=value` pairs of a response's Set-Cookie headers, ready for a `Cookie` header. */
export function cookiesOf(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  return list.map((c: string) => c.split(';')[0]).join('; ');
}

/**
 * Asserts `res` carries `X-Cache: <label>`; on failure the message shows the headers of `res` and,
 * when given, of the earlier response (a miss's headers usually tell why it was not stored).
 */
export function expectXCache(
  res: { headers: Record<string, unknown> },
  label: 'HIT' | 'MISS' | 'BYPASS' | 'STALE',
  earlier?: { headers: Record<string, unknown> },
) {
  const got = res.headers['x-cache'];
  if (got !== label) {
    throw new Error(
      `expected X-Cache: ${label}, got ${String(got)}; headers: ${JSON.stringify(res.headers)}` +
        (earlier ? `; earlier response's headers: ${JSON.stringify(earlier.headers)}` : ''),
    );
  }
}
