import { parseHttpDate } from '../../../../lib/http/validators/http-date';

describe('parseHttpDate', () => {
  const at = Date.UTC(1994, 10, 6, 8, 49, 37);

  it.each([
    'Sun, 06 Nov 1994 08:49:37 GMT',
    'Sunday, 06-Nov-94 08:49:37 GMT',
    'Sun Nov  6 08:49:37 1994',
    ' Sun, 06 Nov 1994 08:49:37 GMT ',
  ])('reads the HTTP-date %j', (value) => {
    expect(parseHttpDate(value)).toBe(at);
  });

  it.each([
    '',
    '2099',
    'garbage 2099',
    '2099-01-01',
    '2099-01-01T00:00:00Z',
    'Thu Jan 01 2099',
    '99999',
    '1',
    'Sun, 06 Nov 1994 08:49:37 PST',
    'Sun, 6 Nov 1994 08:49:37 GMT',
  ])('refuses %j (not an HTTP-date)', (value) => {
    expect(parseHttpDate(value)).toBeNaN();
  });
});
