import { whyNotStorable } from '../../../lib/http/response-policy';
import { CapturedResponse } from '../../../lib/http/response-capture';

const policy = {
  statuses: new Set([200]),
  perUser: false,
  keyedHeaders: new Set(['x-tenant']),
  declaredVary: new Set<string>(),
};

function sent(headers: Record<string, unknown>, status = 200, final = headers): CapturedResponse {
  return { status, headers, finalHeaders: final, body: Buffer.from('{}') };
}

describe('whyNotStorable', () => {
  it('stores a plain 200', () => {
    expect(whyNotStorable(sent({ 'content-type': 'application/json' }), {}, {}, policy)).toBe(
      undefined,
    );
  });

  it('refuses a status outside statuses', () => {
    expect(whyNotStorable(sent({}, 201), {}, {}, policy)).toEqual({ reason: 'status' });
  });

  it('decides on the final headers: a late Set-Cookie refuses', () => {
    const late = sent({}, 200, { 'set-cookie': ['sid=1'] });
    expect(whyNotStorable(late, {}, {}, policy)).toEqual({ reason: 'cookie' });
  });

  it.each([
    ['cache-control', 'no-store'],
    ['cache-control', 'public, no-cache'],
    ['cache-control', 'max-age=0'],
    ['cache-control', 's-maxage=0, public'],
    ['surrogate-control', 'no-store'],
  ])('refuses %s: %s', (name, value) => {
    expect(whyNotStorable(sent({ [name]: value }), {}, {}, policy)).toEqual({
      reason: 'no_store',
    });
  });

  it('keeps max-age=60 and s-maxage=10', () => {
    const headers = { 'cache-control': 'public, max-age=60, s-maxage=10' };
    expect(whyNotStorable(sent(headers), {}, {}, policy)).toBe(undefined);
  });

  it('refuses private in a shared entry, stores it in a per-user one', () => {
    const headers = { 'cache-control': 'private, max-age=60' };
    expect(whyNotStorable(sent(headers), {}, {}, policy)).toEqual({ reason: 'private' });
    expect(whyNotStorable(sent(headers), {}, {}, { ...policy, perUser: true })).toBe(undefined);
  });

  it('refuses Vary on a header the key ignores, names it; keyed and Accept-Encoding pass', () => {
    expect(whyNotStorable(sent({ vary: 'Accept-Language' }), {}, {}, policy)).toEqual({
      reason: 'vary',
      header: 'accept-language',
    });
    expect(whyNotStorable(sent({ vary: '*' }), {}, {}, policy)).toEqual({
      reason: 'vary',
      header: '*',
    });
    expect(whyNotStorable(sent({ vary: 'X-Tenant, Accept-Encoding' }), {}, {}, policy)).toBe(
      undefined,
    );
  });

  it('ignores a Vary a middleware set before the handler', () => {
    const before = { vary: 'Origin' };
    expect(whyNotStorable(sent({ vary: 'Origin' }), before, before, policy)).toBe(undefined);
    expect(whyNotStorable(sent({ vary: 'Origin, Cookie' }), before, before, policy)).toEqual({
      reason: 'vary',
      header: 'cookie',
    });
  });

  it('refuses a Content-Encoding added after the handler, keeps the handler’s own', () => {
    const encoded = sent({ 'content-encoding': 'gzip' });
    expect(whyNotStorable(encoded, {}, {}, policy)).toEqual({ reason: 'encoded' });
    expect(whyNotStorable(encoded, {}, { 'content-encoding': 'gzip' }, policy)).toBe(undefined);
  });
});

describe('whyNotStorable and @Header Vary', () => {
  it('treats a Vary the route declares with @Header as the handler’s, though Nest set it first', () => {
    const declared = { ...policy, declaredVary: new Set(['accept-language']) };
    const before = { vary: 'Accept-Language' };
    expect(whyNotStorable(sent({ vary: 'Accept-Language' }), before, before, declared)).toEqual({
      reason: 'vary',
      header: 'accept-language',
    });
  });
});

describe('whyNotStorable and CSP nonces', () => {
  it("refuses a body holding this request's nonce, keeps one that does not", () => {
    const before = { 'content-security-policy': "script-src 'nonce-abc123' 'self'" };
    const page = (body: string) => ({ ...sent({}), body: Buffer.from(body) });
    expect(whyNotStorable(page('<script nonce="abc123">'), before, before, policy)).toEqual({
      reason: 'nonce',
    });
    expect(whyNotStorable(page('<p>no scripts</p>'), before, before, policy)).toBe(undefined);
  });
});
