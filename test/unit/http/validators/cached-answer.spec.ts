import {
  applyAnswer,
  cachedAnswer,
  EntryHead,
  mergeVary,
  applyAnswerTo,
  HeaderSink,
  RouteValidators,
} from '../../../../lib/http/validators/cached-answer';
import { ifNoneMatchHits } from '../../../../lib/http/validators/entity-tags';

const CREATED = Date.parse('2026-12-01T10:00:00Z');
const entry: EntryHead = {
  status: 200,
  headers: { 'content-type': 'application/json', etag: 'W/"abc"' },
  createdAt: CREATED,
};
const route: RouteValidators = { lastModified: false, vary: [] };
const get = (headers: Record<string, unknown> = {}) => ({ method: 'GET', headers });

describe('cachedAnswer (the one decision for MISS, HIT, STALE and the fast path)', () => {
  it('Age in whole seconds on HIT and STALE, never on MISS', () => {
    const now = CREATED + 2_999;
    expect(cachedAnswer(entry, get(), route, now, 'HIT').headers.age).toBe('2');
    expect(cachedAnswer(entry, get(), route, now, 'STALE').headers.age).toBe('2');
    expect(cachedAnswer(entry, get(), route, now, 'MISS').headers.age).toBeUndefined();
    expect(cachedAnswer(entry, get(), route, CREATED - 5, 'HIT').headers.age).toBe('0');
  });

  it('304 on a matching If-None-Match for GET and HEAD of a 2xx only', () => {
    const inm = { 'if-none-match': '"abc"' };
    expect(cachedAnswer(entry, get(inm), route, CREATED, 'HIT')).toMatchObject({
      status: 304,
      notModified: true,
      etag: 'W/"abc"',
    });
    expect(cachedAnswer(entry, { method: 'HEAD', headers: inm }, route, 0, 'HIT').status).toBe(304);
    expect(cachedAnswer(entry, { method: 'POST', headers: inm }, route, 0, 'HIT').status).toBe(200);
    const notFound = { ...entry, status: 404 };
    expect(cachedAnswer(notFound, get(inm), route, 0, 'HIT').status).toBe(404);
    const noTag = { ...entry, headers: {} };
    expect(cachedAnswer(noTag, get(inm), route, 0, 'HIT').status).toBe(200);
    expect(cachedAnswer(noTag, get({ 'if-none-match': '*' }), route, 0, 'HIT').status).toBe(200);
  });

  it('a request Cache-Control: no-cache gets the full answer', () => {
    const req = get({ 'if-none-match': '"abc"', 'cache-control': 'no-cache' });
    expect(cachedAnswer(entry, req, route, 0, 'HIT').status).toBe(200);
  });

  it('Last-Modified: the handler’s, else the creation time with lastModified; IMS only without INM', () => {
    const withLm = { ...route, lastModified: true };
    const lm = new Date(CREATED).toUTCString();
    expect(cachedAnswer(entry, get(), withLm, 0, 'HIT').headers['last-modified']).toBe(lm);
    expect(cachedAnswer(entry, get(), route, 0, 'HIT').headers['last-modified']).toBeUndefined();
    const own = { ...entry, headers: { 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' } };
    expect(cachedAnswer(own, get(), withLm, 0, 'HIT').headers['last-modified']).toBeUndefined();
    expect(
      cachedAnswer(
        own,
        get({ 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' }),
        route,
        0,
        'HIT',
      ).status,
    ).toBe(304);
    expect(cachedAnswer(entry, get({ 'if-modified-since': lm }), withLm, 0, 'HIT').status).toBe(
      304,
    );
    expect(cachedAnswer(entry, get({ 'if-modified-since': lm }), route, 0, 'HIT').status).toBe(200);
    const both = get({ 'if-modified-since': lm, 'if-none-match': '"other"' });
    expect(cachedAnswer(entry, both, withLm, 0, 'HIT').status).toBe(200);
    const bad = get({ 'if-modified-since': 'yesterday' });
    expect(cachedAnswer(entry, bad, withLm, 0, 'HIT').status).toBe(200);
  });

  it('applyAnswer: Cache-Control only when absent, Vary merged, Content-* dropped on 304', () => {
    const answer = cachedAnswer(
      entry,
      get({ 'if-none-match': 'W/"abc"' }),
      { lastModified: false, cacheControl: 'public, max-age=60', vary: ['accept-language'] },
      CREATED,
      'HIT',
    );
    const headers: Record<string, unknown> = {
      'content-type': 'application/json',
      'content-length': '10',
      'content-location': '/x',
      vary: 'Origin, Accept-Language',
    };
    expect(applyAnswerTo(answer, headers)).toEqual(['age', 'cache-control', 'vary']);
    expect(headers).toEqual({
      'content-location': '/x',
      vary: 'Origin, Accept-Language',
      'cache-control': 'public, max-age=60',
      age: '0',
    });
    const own: Record<string, unknown> = { 'cache-control': 'no-transform' };
    const sink: HeaderSink = {
      get: (name) => own[name],
      set: (name, value) => (own[name] = value),
      remove: (name) => delete own[name],
    };
    applyAnswer(answer, sink);
    expect(own).toEqual({
      'cache-control': 'no-transform',
      age: '0',
      vary: 'accept-language',
    });
  });
});

describe('If-None-Match lists and Vary merging', () => {
  it.each([
    ['"a"', '"a"', true],
    ['W/"a"', '"a"', true],
    ['"a"', 'W/"a"', true],
    ['"x", "y" , W/"a"', '"a"', true],
    ['"a,b"', '"a,b"', true],
    ['"a,b"', '"a"', false],
    ['*', '"anything"', true],
    ['"x"', '"a"', false],
    ['', '"a"', false],
    ['"a', '"a"', false],
    ['v42', 'v42', true],
  ])('%s against %s → %s', (header, etag, hit) => {
    expect(ifNoneMatchHits(header, etag)).toBe(hit);
  });

  it('merges case-insensitively, keeps the first spelling, * wins', () => {
    expect(mergeVary('Accept-Language', ['accept-language', 'x-tenant'])).toBe(
      'Accept-Language, x-tenant',
    );
    expect(mergeVary(['Origin', 'Accept'], ['origin'])).toBe('Origin, Accept');
    expect(mergeVary('*', ['x'])).toBe('*');
    expect(mergeVary(undefined, ['x'])).toBe('x');
  });
});
