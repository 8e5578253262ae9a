/**
 * App Mesh's routing semantics, in one place for every reader: the order routes are tried in,
 * how a route's match is judged against a request, and how a gateway route rewrites the path.
 * The local mesh runs them; the renderers for the live targets keep the same order (Istio's
 * first-match list, Lattice's rule priorities) and the guides predict each target's answers with them.
 */
import type { GatewayHttpRoute, HeaderMatchMethod, HttpRouteMatch } from './appmesh.js';

type AnyMatch = HttpRouteMatch | GatewayHttpRoute['match'];

/** How specific a match is, so equal priorities try the narrower route first. */
function specificity(match: AnyMatch | undefined): number {
  if (!match) return 0;
  let score = 0;
  if (match.path?.exact !== undefined) score += 10_000 + match.path.exact.length;
  else if (match.path?.regex !== undefined) score += 5_000;
  else if (match.prefix !== undefined) score += match.prefix.length;
  score += (match.headers?.length ?? 0) * 100 + (match.queryParameters?.length ?? 0) * 100 + (match.method ? 50 : 0);
  return score;
}

/** The per-request timeout of a route that sets none: Envoy's default, which App Mesh kept (a timeout of 0 turns it off). */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

/**
 * App Mesh evaluates routes by priority (0 first); routes without one come after, the most
 * specific first. Definition order breaks remaining ties.
 */
export function orderRoutes<T extends { priority?: number; match?: AnyMatch }>(routes: readonly T[]): T[] {
  return routes
    .map((route, index) => ({ route, index }))
    .sort((a, b) => {
      const pa = a.route.priority ?? 1001;
      const pb = b.route.priority ?? 1001;
      if (pa !== pb) return pa - pb;
      const sa = specificity(a.route.match);
      const sb = specificity(b.route.match);
      if (sa !== sb) return sb - sa;
      return a.index - b.index;
    })
    .map(({ route }) => route);
}

/**
 * A gateway's prefix rewrite: the matched prefix is replaced, and App Mesh turns `/red/tell` under
 * prefix `/red` into `/tell` (not Envoy's literal `//tell`) when the replacement ends in `/`.
 */
export function rewritePrefix(path: string, matched: string, replacement: string): string {
  if (!path.startsWith(matched)) return path;
  let rest = path.slice(matched.length);
  if (replacement.endsWith('/') && rest.startsWith('/')) rest = rest.slice(1);
  const rewritten = replacement + rest;
  return rewritten.startsWith('/') ? rewritten : `/${rewritten}`;
}

/**
 * The prefix rewrite a gateway route applies: its explicit `prefix.value`, else (default ENABLED)
 * the matched prefix becomes `/`; undefined when it rewrites no prefix.
 */
export function gatewayPrefixRewrite(route: GatewayHttpRoute): { matched: string; replacement: string } | undefined {
  const spec = route.action.rewrite;
  if (spec?.path || route.match.prefix === undefined) return undefined;
  if (spec?.prefix?.value !== undefined) return { matched: route.match.prefix, replacement: spec.prefix.value };
  if (spec?.prefix?.defaultPrefix === 'DISABLED') return undefined;
  return { matched: route.match.prefix, replacement: '/' };
}

/** Whether a gateway route rewrites Host to its target's name (the default). */
export function rewritesHostname(route: GatewayHttpRoute): boolean {
  return route.action.rewrite?.hostname?.defaultTargetHostname !== 'DISABLED';
}

export interface RequestFacts {
  method: string;
  /** Path and query. */
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  host?: string;
}

function stringMatches(value: string, match: HeaderMatchMethod): boolean {
  if (match.exact !== undefined) return value === match.exact;
  if (match.prefix !== undefined) return value.startsWith(match.prefix);
  if (match.suffix !== undefined) return value.endsWith(match.suffix);
  if (match.regex !== undefined) return new RegExp(`^(?:${match.regex})$`).test(value);
  if (match.range) return /^-?\d+$/.test(value) && Number(value) >= match.range.start && Number(value) < match.range.end;
  return true;
}

/** Whether a route's match holds for a request, as Envoy judges it under App Mesh. */
export function routeMatches(match: AnyMatch, request: RequestFacts): boolean {
  const q = request.path.indexOf('?');
  const pathname = q < 0 ? request.path : request.path.slice(0, q);
  if (match.prefix !== undefined && !request.path.startsWith(match.prefix)) return false;
  if (match.path?.exact !== undefined && pathname !== match.path.exact) return false;
  if (match.path?.regex !== undefined && !new RegExp(`^(?:${match.path.regex})$`).test(pathname)) return false;
  if (match.method !== undefined && request.method !== match.method) return false;
  if ('hostname' in match && match.hostname) {
    const host = (request.host ?? '').toLowerCase().replace(/:\d+$/, '');
    if (match.hostname.exact !== undefined && host !== match.hostname.exact.toLowerCase()) return false;
    if (match.hostname.suffix !== undefined && !host.endsWith(match.hostname.suffix.toLowerCase())) return false;
  }
  for (const header of match.headers ?? []) {
    const value = request.headers[header.name.toLowerCase()];
    const ok = value !== undefined && (!header.match || stringMatches(value, header.match));
    if (ok === Boolean(header.invert)) return false;
  }
  if (match.queryParameters?.length) {
    const params = new URLSearchParams(q < 0 ? '' : request.path.slice(q + 1));
    for (const qp of match.queryParameters) {
      const value = params.get(qp.name);
      if (value === null || (qp.match?.exact !== undefined && value !== qp.match.exact)) return false;
    }
  }
  return true;
}
