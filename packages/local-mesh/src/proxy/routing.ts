/**
 * Route tables as the control plane hands them to a proxy, and how a request is matched against
 * them: virtual hosts by authority, then the first route (in priority order) whose every
 * condition holds — App Mesh's route match semantics, as Envoy evaluates them.
 */
import { rewritePrefix } from '@amw/mesh-manifests/routing';
import { getHeaderValues, type HeaderList } from '../http1/head.js';

export interface StringMatch {
  exact?: string;
  prefix?: string;
  suffix?: string;
  regex?: string;
  /** Integer range, start inclusive, end exclusive (App Mesh's `range`). */
  range?: { start: number; end: number };
  /** Exact, prefix and suffix compare without regard to case (Envoy's `ignore_case`; Lattice's header matches). */
  ignoreCase?: boolean;
}

export interface HeaderCondition {
  name: string;
  /** Absent: the header only has to be present. */
  match?: StringMatch;
  invert?: boolean;
}

export interface RouteMatch {
  prefix?: string;
  path?: { exact?: string; regex?: string };
  headers?: HeaderCondition[];
  method?: string;
  scheme?: 'http' | 'https';
  queryParameters?: { name: string; match?: { exact?: string } }[];
  /** Gateway routes only. */
  hostname?: { exact?: string; suffix?: string };
  /** Listener port the request arrived on (multi-listener routers). */
  port?: number;
}

export type RetryEvent = 'server-error' | 'gateway-error' | 'client-error' | 'stream-error' | 'connection-error';

export interface RetryPolicy {
  maxRetries: number;
  perTryTimeoutMs: number;
  events: RetryEvent[];
}

export interface WeightedCluster {
  cluster: string;
  weight: number;
}

export interface RouteRewrite {
  /** Replace the matched prefix with this value (gateway default: the matched prefix becomes `/`). */
  prefix?: { matched: string; replacement: string };
  /** Replace the whole path. */
  path?: string;
  /**
   * Envoy's regex_rewrite (Istio's uriRegexRewrite): every match of `pattern` in the path, query
   * string excluded, becomes `substitution` (JavaScript replacement syntax: `$1` for a group).
   */
  regex?: { pattern: string; substitution: string };
  /** Rewrite Host to this value (gateway default: the target virtual service's name). */
  hostname?: string;
}

export interface Route {
  /** App Mesh-style name, for access logs and config dumps. */
  name: string;
  match: RouteMatch;
  clusters: WeightedCluster[];
  /**
   * Gateway routes: after the rewrite, the request is matched again against this virtual
   * service's routes (its router's), which pick the cluster, retries and timeout.
   */
  virtualService?: string;
  rewrite?: RouteRewrite;
  retry?: RetryPolicy;
  /** Overall per-request timeout; 0 disables it. */
  timeoutMs: number;
  idleTimeoutMs?: number;
  /**
   * Answer locally instead of forwarding (Envoy's direct_response): an authorization verdict such
   * as Lattice's 403, or a name the pod cannot resolve. `clusters` is then ignored.
   */
  deny?: { status: number; body: string; flag?: string };
}

export interface VirtualHost {
  name: string;
  /** Exact authorities this host answers for, with and without port. `*` matches any. */
  domains: string[];
  routes: Route[];
}

export interface CompiledRoute extends Route {
  pathRegex?: RegExp;
  headerRegexes: (RegExp | undefined)[];
  totalWeight: number;
}

export interface RouteTable {
  hosts: { name: string; domains: Set<string>; wildcard: boolean; routes: CompiledRoute[] }[];
  /** Second-stage tables for gateway routes, by virtual service name. */
  virtualServices?: Map<string, CompiledRoute[]>;
}

function compileRoute(route: Route): CompiledRoute {
  return {
    ...route,
    ...(route.match.path?.regex ? { pathRegex: anchored(route.match.path.regex) } : {}),
    headerRegexes: (route.match.headers ?? []).map((h) => (h.match?.regex ? anchored(h.match.regex) : undefined)),
    totalWeight: route.clusters.reduce((sum, c) => sum + c.weight, 0),
  };
}

export function compileRoutes(virtualHosts: VirtualHost[], virtualServices: Record<string, Route[]> = {}): RouteTable {
  return {
    hosts: virtualHosts.map((vh) => ({
      name: vh.name,
      domains: new Set(vh.domains.map((d) => d.toLowerCase())),
      wildcard: vh.domains.includes('*'),
      routes: vh.routes.map(compileRoute),
    })),
    virtualServices: new Map(Object.entries(virtualServices).map(([name, routes]) => [name, routes.map(compileRoute)])),
  };
}

/** The path after a route's rewrite (App Mesh gateway prefix and path rewrites). */
export function rewritePath(path: string, rewrite: RouteRewrite | undefined): string {
  if (!rewrite) return path;
  if (rewrite.path !== undefined) {
    const q = path.indexOf('?');
    return q < 0 ? rewrite.path : rewrite.path + path.slice(q);
  }
  if (rewrite.regex) {
    const q = path.indexOf('?');
    const [pathname, query] = q < 0 ? [path, ''] : [path.slice(0, q), path.slice(q)];
    return pathname.replace(new RegExp(rewrite.regex.pattern, 'g'), rewrite.regex.substitution) + query;
  }
  return rewrite.prefix ? rewritePrefix(path, rewrite.prefix.matched, rewrite.prefix.replacement) : path;
}

/** App Mesh (and Envoy's safe_regex) match the whole value. */
function anchored(regex: string): RegExp {
  return new RegExp(`^(?:${regex})$`);
}

export function findVirtualHost(table: RouteTable, authority: string): RouteTable['hosts'][number] | undefined {
  const lower = authority.toLowerCase();
  for (const host of table.hosts) if (host.domains.has(lower)) return host;
  const bare = lower.replace(/:\d+$/, '');
  if (bare !== lower) for (const host of table.hosts) if (host.domains.has(bare)) return host;
  return table.hosts.find((host) => host.wildcard);
}

export interface MatchInput {
  method: string;
  path: string;
  headers: HeaderList;
  authority: string;
  scheme: 'http' | 'https';
  port?: number;
}

function splitPath(path: string): { pathname: string; query: string } {
  const q = path.indexOf('?');
  return q < 0 ? { pathname: path, query: '' } : { pathname: path.slice(0, q), query: path.slice(q + 1) };
}

function matchString(value: string, match: StringMatch, regex: RegExp | undefined): boolean {
  const fold = match.ignoreCase ? (text: string) => text.toLowerCase() : (text: string) => text;
  if (match.exact !== undefined) return fold(value) === fold(match.exact);
  if (match.prefix !== undefined) return fold(value).startsWith(fold(match.prefix));
  if (match.suffix !== undefined) return fold(value).endsWith(fold(match.suffix));
  if (regex) return regex.test(value);
  if (match.range) {
    if (!/^-?\d+$/.test(value)) return false;
    const n = Number(value);
    return n >= match.range.start && n < match.range.end;
  }
  return true;
}

export function routeMatches(route: CompiledRoute, input: MatchInput): boolean {
  const m = route.match;
  const { pathname, query } = splitPath(input.path);
  if (m.prefix !== undefined && !input.path.startsWith(m.prefix)) return false;
  if (m.path?.exact !== undefined && pathname !== m.path.exact) return false;
  if (route.pathRegex && !route.pathRegex.test(pathname)) return false;
  if (m.method !== undefined && input.method !== m.method) return false;
  if (m.scheme !== undefined && input.scheme !== m.scheme) return false;
  if (m.port !== undefined && input.port !== undefined && input.port !== m.port) return false;
  if (m.hostname) {
    const host = input.authority.toLowerCase().replace(/:\d+$/, '');
    if (m.hostname.exact !== undefined && host !== m.hostname.exact.toLowerCase()) return false;
    if (m.hostname.suffix !== undefined && !host.endsWith(m.hostname.suffix.toLowerCase())) return false;
  }
  const headers = m.headers ?? [];
  for (let i = 0; i < headers.length; i++) {
    const condition = headers[i]!;
    const values = getHeaderValues(input.headers, condition.name.toLowerCase());
    // Envoy matches a repeated header against its values joined with commas.
    const present = values.length > 0;
    const ok = present && (!condition.match || matchString(values.join(','), condition.match, route.headerRegexes[i]));
    if (ok === Boolean(condition.invert)) return false;
  }
  if (m.queryParameters && m.queryParameters.length > 0) {
    const params = new URLSearchParams(query);
    for (const qp of m.queryParameters) {
      const value = params.get(qp.name);
      if (value === null) return false;
      if (qp.match?.exact !== undefined && value !== qp.match.exact) return false;
    }
  }
  return true;
}

export function selectRoute(routes: CompiledRoute[], input: MatchInput): CompiledRoute | undefined {
  for (const route of routes) if (routeMatches(route, input)) return route;
  return undefined;
}

/** Weighted random choice, as Envoy's weighted_clusters picks per request. */
export function pickWeighted(route: CompiledRoute, random: () => number = Math.random): string | undefined {
  return pickByWeight(route.clusters, route.totalWeight, random);
}

/** One of `clusters` with probability weight ÷ total; none when every weight is 0. */
export function pickByWeight(
  clusters: readonly WeightedCluster[],
  totalWeight = clusters.reduce((sum, c) => sum + c.weight, 0),
  random: () => number = Math.random,
): string | undefined {
  if (totalWeight <= 0) return undefined;
  let ticket = random() * totalWeight;
  for (const target of clusters) {
    if (ticket < target.weight) return target.cluster;
    ticket -= target.weight;
  }
  return clusters.at(-1)?.cluster;
}
