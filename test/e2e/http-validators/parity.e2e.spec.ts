import { bootSafe, SafeApp } from '../helpers/safety';
import { validatorsModule } from './validators.app';

/** Headers that may differ between two servers for reasons outside the cache. */
const IGNORED = new Set(['date', 'connection', 'keep-alive', 'x-powered-by']);

type Step = {
  path: string;
  headers?: Record<string, string>;
  method?: 'get' | 'head';
  /** An error answer (the exception filter's): left to the framework but for its status. */
  statusOnly?: boolean;
};

/** Requests run in order on each platform; each cached answer is compared across platforms. */
const SCRIPT: Step[] = [
  { path: '/v/plain/p' },
  { path: '/v/plain/p' },
  { path: '/v/plain/p', method: 'head' },
  { path: '/v/plain/p', headers: { 'If-None-Match': 'W/"x", W/"0-0"' } },
  { path: '/v/extra' },
  { path: '/v/extra' },
  { path: '/v/cc' },
  { path: '/v/cc' },
  { path: '/v/vary-merge' },
  { path: '/v/vary-merge' },
  { path: '/v/mine', headers: { 'x-user': 'u' } },
  { path: '/v/mine', headers: { 'x-user': 'u' } },
  { path: '/v/modified' },
  { path: '/v/missing' },
  { path: '/v/missing' },
  { path: '/v/own-etag' },
  { path: '/v/own-etag', headers: { 'If-None-Match': '"v42"' } },
  { path: '/v/strong' },
  { path: '/v/no-etag' },
  { path: '/v/no-etag' },
  { path: '/v/honor/p', headers: { 'Cache-Control': 'only-if-cached' }, statusOnly: true },
];

/**
 * A header as compared across platforms: `Age` only by presence; `Last-Modified` (the entry's
 * creation, in whole seconds) as "recent" when it is a valid date of the last minute, since the
 * two transcripts may run on either side of a second boundary.
 */
function comparable(name: string, value: unknown): unknown {
  if (name === 'age') return 'present';
  if (name !== 'last-modified') return value;
  const at = Date.parse(String(value));
  return Math.abs(Date.now() - at) < 60_000 ? 'recent' : value;
}

async function transcript(app: SafeApp) {
  const out: unknown[] = [];
  const etags: Record<string, string> = {};
  for (const step of SCRIPT) {
    const req = app.http()[step.method ?? 'get'](step.path);
    for (const [name, value] of Object.entries(step.headers ?? {})) req.set(name, value);
    const res = await req;
    if (res.headers.etag) etags[step.path] = res.headers.etag;
    const headers: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (!IGNORED.has(name)) headers[name] = comparable(name, value);
    }
    if (step.statusOnly) out.push({ step, status: res.status });
    else out.push({ step, status: res.status, headers, text: res.text ?? '' });
    if (etags[step.path] && res.status === 200) {
      const nm = app.http().get(step.path);
      for (const [name, value] of Object.entries(step.headers ?? {})) nm.set(name, value);
      nm.set('If-None-Match', etags[step.path]);
      const answer = await nm;
      const nmHeaders: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (!IGNORED.has(name)) nmHeaders[name] = comparable(name, value);
      }
      out.push({ conditional: step.path, status: answer.status, headers: nmHeaders });
    }
  }
  return out;
}

describe('Express and Fastify send the same status and headers for cached answers', () => {
  it('MISS, HIT, HEAD, 304, Cache-Control, Vary, private, Last-Modified, 404, own ETag, 504', async () => {
    const express = await bootSafe('express', validatorsModule());
    const fastify = await bootSafe('fastify', validatorsModule());
    try {
      const [a, b] = [await transcript(express), await transcript(fastify)];
      expect(b).toEqual(a);
      // the transcript holds 304s and MISS/HIT pairs, so the comparison covers them
      expect(
        a.filter((entry) => (entry as { status: number }).status === 304).length,
      ).toBeGreaterThan(5);
    } finally {
      await express.app.close();
      await fastify.app.close();
    }
  });
});
