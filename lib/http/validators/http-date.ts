/** The three forms of an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, obsolete RFC 850, asctime. */
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC_850 =
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Epoch ms of an HTTP-date, or `NaN` when the value is not one: a recipient ignores an
 * `If-Modified-Since` that is not a valid HTTP-date (RFC 9110 §13.1.3), where `Date.parse`
 * would read `'2099'` or `'garbage 2099'` as a date.
 * @example
 * parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT') // 784111777000
 * parseHttpDate('2099') // NaN
 */
export function parseHttpDate(value: string): number {
  const text = value.trim();
  if (IMF_FIXDATE.test(text) || RFC_850.test(text)) return Date.parse(text);
  // asctime has no zone: it is GMT (`Date.parse` would read it as local time).
  if (ASCTIME.test(text)) return Date.parse(`${text} GMT`);
  return Number.NaN;
}
