import { isIdentified } from '../../../lib/http/request-identity';

const req = (fields: Record<string, unknown> = {}, headers: Record<string, string> = {}) => ({
  method: 'GET',
  headers,
  ...fields,
});

describe('isIdentified', () => {
  it('is false for an anonymous request, even with unrelated cookies', () => {
    expect(isIdentified(req({}, { cookie: '_ga=123; consent=yes' }), [])).toBe(false);
  });

  it('is true with Authorization or req.user', () => {
    expect(isIdentified(req({}, { authorization: 'Bearer x' }), [])).toBe(true);
    expect(isIdentified(req({ user: { id: 1 } }), [])).toBe(true);
  });

  it('is false for an empty session (only its cookie), true once it holds data', () => {
    expect(isIdentified(req({ session: { cookie: { maxAge: 1 } } }), [])).toBe(false);
    expect(isIdentified(req({ session: { cookie: {}, user: { id: 1 } } }), [])).toBe(true);
    expect(isIdentified(req({ session: { cookie: {}, cart: [] } }), [])).toBe(true);
  });

  it('is true when an identity cookie is present', () => {
    expect(isIdentified(req({}, { cookie: '_ga=1; sid=abc' }), ['sid'])).toBe(true);
    expect(isIdentified(req({}, { cookie: '_ga=1; sidx=abc' }), ['sid'])).toBe(false);
  });
});
