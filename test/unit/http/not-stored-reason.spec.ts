import { notStoredReason } from '../../../lib/http/response-policy';

describe('notStoredReason (what metrics count for a refused response)', () => {
  it.each([
    ['status', 'status'],
    ['cookie', 'cookie'],
    ['no_store', 'no_store'],
    ['private', 'private'],
    ['vary', 'vary'],
    // A body holding this request's CSP nonce was made for this request only.
    ['nonce', 'private'],
    // An encoding applied after the handler depends on Accept-Encoding, which the key ignores.
    ['encoded', 'vary'],
  ] as const)('%s counts as %s', (found, counted) => {
    expect(notStoredReason({ reason: found })).toBe(counted);
  });
});
