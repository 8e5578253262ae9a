/**
 * An App Mesh HTTP route in Istio's words: its match as an HTTPMatchRequest, its retry policy and
 * timeout, and — for a gateway — the gateway route's prefix folded into the path match, since an
 * Istio gateway applies only the VirtualService bound to it and never a second one for the target.
 */
import type { Duration, GatewayHttpRoute, HeaderMatch, HttpRetryPolicy, HttpRoute, HttpTimeout } from '../../model/appmesh.js';
import { gatewayPrefixRewrite } from '../../model/routing.js';

export type Json = Record<string, unknown>;

/** Istio's duration strings: whole milliseconds, written in seconds when they divide evenly. */
export function istioDuration(d: Duration): string {
  const msValue = d.unit === 's' ? d.value * 1000 : d.value;
  return msValue % 1000 === 0 ? `${msValue / 1000}s` : `${msValue}ms`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A header condition as an Istio StringMatch, and whether it goes under `withoutHeaders`. */
function headerCondition(header: HeaderMatch): { match: Json; inverted: boolean } | { unsupported: string } {
  const m = header.match;
  let match: Json;
  if (!m) match = {};
  else if (m.exact !== undefined) match = { exact: m.exact };
  else if (m.prefix !== undefined) match = { prefix: m.prefix };
  else if (m.regex !== undefined) match = { regex: m.regex };
  else if (m.suffix !== undefined) match = { regex: `.*${escapeRegex(m.suffix)}` };
  else return { unsupported: `header ${header.name} in the range [${m.range!.start}, ${m.range!.end}): Istio matches headers by exact value, prefix or regex only` };
  return { match, inverted: Boolean(header.invert) };
}

export interface MatchParts {
  prefix?: string;
  pathExact?: string;
  pathRegex?: string;
  headers?: HeaderMatch[];
  method?: string;
  queryParameters?: { name: string; match?: { exact: string } }[];
  authority?: { exact?: string; suffix?: string };
}

/** The HTTPMatchRequest for an App Mesh match; an Istio match may not be empty, so `/` is explicit. */
export function istioMatch(parts: MatchParts): { match: Json } | { unsupported: string } {
  const match: Json = {};
  if (parts.pathExact !== undefined) match.uri = { exact: parts.pathExact };
  else if (parts.pathRegex !== undefined) match.uri = { regex: parts.pathRegex };
  else match.uri = { prefix: parts.prefix ?? '/' };
  const headers: Json = {};
  const without: Json = {};
  for (const header of parts.headers ?? []) {
    const condition = headerCondition(header);
    if ('unsupported' in condition) return condition;
    (condition.inverted ? without : headers)[header.name.toLowerCase()] = condition.match;
  }
  if (Object.keys(headers).length) match.headers = headers;
  if (Object.keys(without).length) match.withoutHeaders = without;
  if (parts.method) match.method = { exact: parts.method };
  if (parts.queryParameters?.length) {
    match.queryParams = Object.fromEntries(parts.queryParameters.map((q) => [q.name, q.match ? { exact: q.match.exact } : {}]));
  }
  if (parts.authority) match.authority = parts.authority.exact !== undefined ? { exact: parts.authority.exact } : { regex: `.*${escapeRegex(parts.authority.suffix!)}` };
  return { match };
}

const RETRY_ON: Record<string, string> = {
  'server-error': '5xx',
  'gateway-error': 'gateway-error',
  'client-error': 'retriable-4xx',
  'stream-error': 'refused-stream',
  'connection-error': 'connect-failure',
};

export function istioRetries(policy: HttpRetryPolicy): Json {
  const events = [...(policy.httpRetryEvents ?? []), ...(policy.tcpRetryEvents ?? [])].map((e) => RETRY_ON[e]!);
  return { attempts: policy.maxRetries, perTryTimeout: istioDuration(policy.perRetryTimeout), ...(events.length ? { retryOn: events.join(',') } : {}) };
}

export function istioTimeout(timeout: HttpTimeout | undefined): string | undefined {
  return timeout?.perRequest ? istioDuration(timeout.perRequest) : undefined;
}

/** The App Mesh route's own match parts. */
export function routeMatchParts(route: HttpRoute): MatchParts {
  const m = route.match;
  return {
    ...(m.prefix !== undefined ? { prefix: m.prefix } : {}),
    ...(m.path?.exact !== undefined ? { pathExact: m.path.exact } : {}),
    ...(m.path?.regex !== undefined ? { pathRegex: m.path.regex } : {}),
    ...(m.headers ? { headers: m.headers } : {}),
    ...(m.method ? { method: m.method } : {}),
    ...(m.queryParameters ? { queryParameters: m.queryParameters } : {}),
  };
}

/**
 * A router route as seen through a gateway route: the request matches when it matches the gateway
 * route and, once the gateway has rewritten its path, the router route. The path conditions are
 * folded into one on the original path; the gateway's header, method and hostname conditions join
 * the route's own. Null when no request can match both.
 */
export function composeWithGateway(gateway: GatewayHttpRoute, route: MatchParts): MatchParts | { unsupported: string } | null {
  const g = gateway.match;
  if (g.path || g.queryParameters?.length) return { unsupported: 'a gateway route matching an exact path, a path regex or query parameters' };
  const rewrite = gatewayPrefixRewrite(gateway);
  const parts: MatchParts = {
    ...(route.method || g.method ? { method: route.method ?? g.method } : {}),
    headers: [...(g.headers ?? []), ...(route.headers ?? [])],
    ...(route.queryParameters ? { queryParameters: route.queryParameters } : {}),
    ...(g.hostname ? { authority: g.hostname } : {}),
  };
  if (route.method && g.method && route.method !== g.method) return { unsupported: 'a gateway route and a router route matching different methods' };
  const gatewayPrefix = g.prefix ?? '/';
  if (!rewrite) {
    // The path reaches the router unchanged: both prefixes must hold, so the longer one decides.
    if (route.pathExact !== undefined || route.pathRegex !== undefined) return { unsupported: 'an exact or regex path route behind a gateway route that keeps the path' };
    const inner = route.prefix ?? '/';
    if (!inner.startsWith(gatewayPrefix) && !gatewayPrefix.startsWith(inner)) return null;
    return { ...parts, prefix: inner.length > gatewayPrefix.length ? inner : gatewayPrefix };
  }
  if (rewrite.replacement !== '/') return { unsupported: `a gateway prefix rewrite to ${rewrite.replacement}` };
  // The gateway turns `<prefix>/rest` (and `<prefix>rest`) into `/rest`.
  const head = `${escapeRegex(rewrite.matched)}/?`;
  if (route.pathRegex !== undefined) return { unsupported: 'a path regex route behind a rewriting gateway route' };
  if (route.pathExact !== undefined) return { ...parts, pathRegex: `${head}${escapeRegex(route.pathExact.replace(/^\//, ''))}` };
  const inner = route.prefix ?? '/';
  if (inner === '/') return { ...parts, prefix: rewrite.matched };
  return { ...parts, pathRegex: `${head}${escapeRegex(inner.replace(/^\//, ''))}.*` };
}

/** A prefix `/` rewritten to `/` changes no path. */
export function isIdentity(prefix: { matched: string; replacement: string }): boolean {
  return prefix.matched === '/' && prefix.replacement === '/';
}

/** The rewrite an Istio gateway route applies for an App Mesh gateway route. */
export function gatewayRewrite(gateway: GatewayHttpRoute, targetHost: string | undefined): Json | undefined {
  const rewrite: Json = {};
  const prefix = gatewayPrefixRewrite(gateway);
  if (gateway.action.rewrite?.path) rewrite.uri = gateway.action.rewrite.path.exact;
  else if (prefix && !isIdentity(prefix)) rewrite.uriRegexRewrite = { match: `^${escapeRegex(prefix.matched)}/?(.*)$`, rewrite: `${prefix.replacement}\\1` };
  if (targetHost) rewrite.authority = targetHost;
  return Object.keys(rewrite).length ? rewrite : undefined;
}
