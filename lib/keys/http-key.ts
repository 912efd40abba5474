/**
 * The default key of an HTTP request: `GET <path>?<query>` with query parameters sorted by name
 * (repeated parameters keep their order); then, when given, the route as a JSON line; then, when
 * the route varies on headers, their values as JSON (an absent header is `null`, an empty one
 * `""`). HEAD shares the GET entry. Distinct requests never share a key: the raw query text is
 * kept, `\n` cannot occur in a URL or a header value, and the JSON lines escape it.
 */
export function defaultHttpKey(
  req: HttpRequestLike,
  vary: readonly string[],
  route?: RouteIdentity,
): string {
  const url = req.originalUrl ?? req.url ?? '/';
  const mark = url.indexOf('?');
  const key =
    mark < 0 ? 'GET ' + url : 'GET ' + url.slice(0, mark) + sortQuery(url.slice(mark + 1));
  return key + routeSuffix(req, route) + varySuffix(req, vary);
}

/**
 * What tells apart requests to one URL that different handlers or hosts answer: header or
 * media-type versioning puts several handlers behind one URL, and host routing
 * (`@Controller({ host })`) serves one tenant per host with one handler.
 */
export interface RouteIdentity {
  /** Module, controller, handler and version, as a JSON text (see `route-identity.ts`). */
  name: string;
  /** The controller routes by host: the `Host` header is part of the key. */
  byHost: boolean;
  /** The suffix of a route that does not route by host, worked out on first use. */
  suffix?: string;
}

function routeSuffix(req: HttpRequestLike, route: RouteIdentity | undefined): string {
  if (route === undefined) return '';
  if (!route.byHost) return (route.suffix ??= '\n' + JSON.stringify([route.name]));
  // The host the router matched: behind a trusted proxy, `X-Forwarded-Host` (`req.hostname`).
  return '\n' + JSON.stringify([route.name, req.hostname ?? req.headers.host ?? null]);
}

/** `\n` and the JSON of the `vary` headers' values (`null` when absent), or `''` without any. */
export function varySuffix(req: HttpRequestLike, vary: readonly string[]): string {
  if (vary.length === 0) return '';
  const values = vary.map((name) => {
    const value = req.headers[name];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  });
  return '\n' + JSON.stringify(values);
}

/** The request fields key building reads, on Express and Fastify alike. */
export interface HttpRequestLike {
  method: string;
  url?: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  params?: unknown;
  query?: unknown;
  user?: unknown;
  /** The host the router matched (Express and Fastify honour their trust-proxy settings). */
  hostname?: string;
  session?: unknown;
}

function sortQuery(query: string): string {
  if (query.indexOf('&') < 0) return '?' + query;
  const pairs = query.split('&');
  const names = pairs.map((pair) => {
    const eq = pair.indexOf('=');
    return eq < 0 ? pair : pair.slice(0, eq);
  });
  const order = pairs.map((_, i) => i);
  order.sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b));
  return '?' + order.map((i) => pairs[i]).join('&');
}
