import { ResolvedCacheControl } from './validator-options';

/** What an emitted `Cache-Control` depends on besides the option: the route's lifetimes. */
export interface RouteLifetimes {
  ttl: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  /** `scope: 'user'`: the response is for one user (`private`, no `s-maxage`). */
  perUser: boolean;
}

/** `max-age` for an entry that never expires: one year, as RFC 9111 suggests for "never". */
const YEAR_SECONDS = 31_536_000;

/**
 * The `Cache-Control` value the cache emits for a route, worked out once per route: `false` sends
 * none, except `private` for per-user routes; otherwise `public, max-age=N[, s-maxage=N]
 * [, stale-while-revalidate=N][, stale-if-error=N][, immutable]` (per-user: `private` and no
 * `s-maxage`). `undefined` when nothing is emitted.
 * @example
 * emittedCacheControl({ maxAge: 'ttl', immutable: false }, { ttl: 60_000, staleWhileRevalidate: 0, staleIfError: 0, perUser: false })
 * // 'public, max-age=60'
 */
export function emittedCacheControl(
  option: ResolvedCacheControl | false,
  route: RouteLifetimes,
): string | undefined {
  if (option === false) return route.perUser ? 'private' : undefined;
  const parts = [route.perUser ? 'private' : 'public', `max-age=${seconds(option.maxAge, route)}`];
  if (option.sMaxAge !== undefined && !route.perUser) {
    parts.push(`s-maxage=${seconds(option.sMaxAge, route)}`);
  }
  const swr = windowOf(option.staleWhileRevalidate, route.staleWhileRevalidate);
  if (swr !== undefined) parts.push(`stale-while-revalidate=${swr}`);
  const sie = windowOf(option.staleIfError, route.staleIfError);
  if (sie !== undefined) parts.push(`stale-if-error=${sie}`);
  if (option.immutable) parts.push('immutable');
  return parts.join(', ');
}

function seconds(value: number | 'ttl', route: RouteLifetimes): number {
  return toSeconds(value === 'ttl' ? route.ttl : value);
}

function windowOf(value: number | true | undefined, routeWindow: number): number | undefined {
  if (value === undefined) return undefined;
  const ms = value === true ? routeWindow : value;
  return ms > 0 ? toSeconds(ms) : undefined;
}

function toSeconds(ms: number): number {
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : YEAR_SECONDS;
}
