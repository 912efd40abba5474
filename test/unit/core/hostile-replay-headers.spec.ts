import 'reflect-metadata';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { replayOnSend, ReplayTarget, sendStored } from '../../../lib/http/response-replay';
import { StoredResponse } from '../../../lib/http/stored-response';
import {
  applyAnswerTo,
  CachedAnswer,
  mergeVary,
  NOT_ON_304_HEADERS,
} from '../../../lib/http/validators/cached-answer';

/**
 * Hostile: an Express hit now puts the stored and answer headers straight onto the response
 * (`putHeaders`) instead of building a merged copy of `getHeaders()`. Random requests (headers
 * middleware set, stored headers, an outer interceptor changing, adding and removing headers
 * after the hit, 304s, Vary lists) must end with exactly the headers, order and status the
 * former algorithm (copied here as the reference) produced.
 */

/** The merge before the change (`response-replay.ts` at f4f2714^). */
function referenceMerged(
  current: Record<string, unknown>,
  stored: Record<string, string | string[]>,
  atHit: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const vary = current.vary;
  for (const name in stored) {
    if (atHit !== undefined && current[name] !== undefined && current[name] !== atHit[name]) {
      continue;
    }
    current[name] = stored[name];
  }
  if (vary !== undefined && stored.vary !== undefined) {
    const names = Array.isArray(stored.vary) ? stored.vary.join(',') : stored.vary;
    current.vary = mergeVary(vary, names.split(','));
  }
  return current;
}

/** The Express write before the change. */
function referenceSend(
  raw: ServerResponse,
  stored: StoredResponse,
  answer: CachedAnswer,
  atHit: Record<string, unknown> | undefined,
): void {
  const headers = referenceMerged(raw.getHeaders(), stored.headers, atHit);
  const names = applyAnswerTo(answer, headers);
  for (const name in stored.headers) {
    if (headers[name] !== undefined) raw.setHeader(name, headers[name] as string);
  }
  for (const name of names) raw.setHeader(name, headers[name] as string);
  if (answer.notModified) {
    for (const name of NOT_ON_304_HEADERS) raw.removeHeader(name);
    raw.statusCode = 304;
    raw.end();
    return;
  }
  raw.statusCode = stored.status;
  if (stored.status >= 200 && stored.status !== 204) {
    raw.setHeader('content-length', stored.length);
  }
  raw.end(stored.body);
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  'content-type',
  'cache-control',
  'vary',
  'etag',
  'last-modified',
  'age',
  'content-encoding',
  'content-language',
  'x-a',
  'x-b',
  'link',
];
const VARY_VALUES = ['Origin', 'accept-encoding', 'Accept, Origin', '*', 'X-Tenant', 'origin'];

function newResponse(): ServerResponse {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  return new ServerResponse(req);
}

/** One random scenario, applied to two fresh responses alike. */
function scenario(random: () => number) {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const valueOf = (name: string, tag: string): string | string[] =>
    name === 'vary'
      ? pick(VARY_VALUES)
      : name === 'link' && random() < 0.5
        ? [`<${tag}1>`, `<${tag}2>`]
        : `${name}-${tag}`;
  const before: [string, string | string[]][] = NAMES.filter(() => random() < 0.3).map((n) => [
    n,
    valueOf(n, 'mw'),
  ]);
  const storedHeaders: Record<string, string | string[]> = {};
  for (const n of NAMES) if (random() < 0.4) storedHeaders[n] = valueOf(n, 'stored');
  const observed = random() < 0.5;
  const after: [string, string | string[] | undefined][] = observed
    ? NAMES.filter(() => random() < 0.25).map((n) => [
        n,
        random() < 0.3 ? undefined : valueOf(n, 'outer'),
      ])
    : [];
  const answerHeaders: Record<string, string> = { age: String(Math.floor(random() * 100)) };
  if (random() < 0.3) answerHeaders['last-modified'] = 'Thu, 01 Jan 2026 00:00:00 GMT';
  const answer: CachedAnswer = {
    status: 200,
    notModified: random() < 0.25,
    headers: answerHeaders,
    cacheControl: random() < 0.5 ? 'max-age=60' : undefined,
    vary: random() < 0.5 ? [pick(['accept-language', 'Origin', 'X-Tenant'])] : [],
  };
  if (answer.notModified) answer.status = 304;
  const status = pick([200, 200, 203, 204, 404]);
  const stored: StoredResponse = {
    status,
    headers: storedHeaders,
    body: status === 204 ? '' : '{"ok":true}',
    length: status === 204 ? 0 : 11,
    createdAt: 0,
  };
  const prepare = (res: ServerResponse) => {
    for (const [n, v] of before) res.setHeader(n, v);
    const atHit = observed ? res.getHeaders() : undefined;
    for (const [n, v] of after) {
      if (v === undefined) res.removeHeader(n);
      else res.setHeader(n, v);
    }
    return atHit;
  };
  return { stored, answer, prepare };
}

const picture = (res: ServerResponse) => ({
  status: res.statusCode,
  headers: Object.entries(res.getHeaders()),
});

describe('hit headers put straight on the response (Express, hostile)', () => {
  it('end as the former merged copy did, over 2,000 random requests', () => {
    const random = prng(20261203);
    for (let i = 0; i < 2_000; i++) {
      const { stored, answer, prepare } = scenario(random);
      const expected = newResponse();
      referenceSend(expected, stored, answer, prepare(expected));
      const actual = newResponse();
      sendStored(actual as unknown as ReplayTarget, stored, answer, prepare(actual));
      expect({ i, ...picture(actual) }).toEqual({ i, ...picture(expected) });
    }
  });

  it('a send-only replay leaves json/jsonp/render/redirect alone, and sends once', () => {
    const handler = function handler() {};
    const res = newResponse() as unknown as ReplayTarget & Record<string, unknown>;
    const own = { json: jest.fn(), jsonp: jest.fn(), render: jest.fn(), redirect: jest.fn() };
    const send = jest.fn();
    Object.assign(res, own, { send });
    const stored: StoredResponse = {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      length: 2,
      createdAt: 0,
    };
    const answer: CachedAnswer = { status: 200, notModified: false, headers: {}, vary: [] };
    replayOnSend(res, stored, { answer, observed: false, handler });
    for (const [name, fn] of Object.entries(own)) expect(res[name]).toBe(fn);
    expect(res.send).not.toBe(send);
    (res.send as () => unknown)();
    (res.send as () => unknown)();
    expect(send).not.toHaveBeenCalled();
    expect((res as unknown as ServerResponse).writableEnded).toBe(true);
    expect((res as unknown as ServerResponse).getHeader('content-length')).toBe(2);
  });
});
