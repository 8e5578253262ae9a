/**
 * App Mesh route and policy shapes → the local proxies' shapes: durations, matches, retry
 * policies, health checks, outlier detection and route ordering, with App Mesh's defaults.
 */
import type {
  Duration,
  GatewayHttpRoute,
  HealthCheckPolicy,
  HttpRetryPolicy,
  HttpRouteMatch,
  HttpTimeout,
  OutlierDetection,
  Route as MeshRoute,
} from '@amw/mesh-manifests';
import type { HealthCheckSettings, OutlierDetectionSettings } from '../proxy/cluster.js';
import type { RetryEvent, RetryPolicy, RouteMatch, RouteRewrite } from '../proxy/routing.js';

/** App Mesh's default per-request timeout for HTTP routes. */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

export function durationMs(duration: Duration | undefined): number | undefined {
  if (!duration) return undefined;
  return duration.unit === 's' ? duration.value * 1000 : duration.value;
}

/** A zero perRequest disables the timeout, as in App Mesh. */
export function timeoutMs(timeout: HttpTimeout | undefined): number {
  const perRequest = durationMs(timeout?.perRequest);
  return perRequest ?? DEFAULT_ROUTE_TIMEOUT_MS;
}

export function routeMatch(match: HttpRouteMatch | GatewayHttpRoute['match']): RouteMatch {
  const out: RouteMatch = {};
  if (match.prefix !== undefined) out.prefix = match.prefix;
  if (match.path) out.path = { ...match.path };
  if (match.headers) out.headers = match.headers.map((h) => ({ name: h.name, ...(h.match ? { match: { ...h.match } } : {}), ...(h.invert ? { invert: true } : {}) }));
  if (match.method) out.method = match.method;
  if ('scheme' in match && match.scheme) out.scheme = match.scheme;
  if (match.queryParameters) out.queryParameters = match.queryParameters.map((q) => ({ name: q.name, ...(q.match ? { match: { exact: q.match.exact } } : {}) }));
  if ('hostname' in match && match.hostname) out.hostname = { ...match.hostname };
  if (match.port !== undefined) out.port = match.port;
  return out;
}

export function retryPolicy(policy: HttpRetryPolicy | undefined): RetryPolicy | undefined {
  if (!policy) return undefined;
  const events: RetryEvent[] = [...(policy.httpRetryEvents ?? []), ...(policy.tcpRetryEvents ?? [])];
  return { maxRetries: policy.maxRetries, perTryTimeoutMs: durationMs(policy.perRetryTimeout) ?? 0, events };
}

export function healthCheck(policy: HealthCheckPolicy | undefined): HealthCheckSettings | undefined {
  if (!policy) return undefined;
  return {
    protocol: policy.protocol === 'tcp' ? 'tcp' : 'http',
    ...(policy.path ? { path: policy.path } : {}),
    intervalMs: policy.intervalMillis,
    timeoutMs: policy.timeoutMillis,
    healthyThreshold: policy.healthyThreshold,
    unhealthyThreshold: policy.unhealthyThreshold,
  };
}

export function outlierDetection(policy: OutlierDetection | undefined): OutlierDetectionSettings | undefined {
  if (!policy) return undefined;
  return {
    maxServerErrors: policy.maxServerErrors,
    intervalMs: durationMs(policy.interval) ?? 10_000,
    baseEjectionMs: durationMs(policy.baseEjectionDuration) ?? 30_000,
    maxEjectionPercent: policy.maxEjectionPercent,
  };
}

/** How specific a match is, so equal priorities try the narrower route first. */
function specificity(match: HttpRouteMatch | GatewayHttpRoute['match'] | undefined): number {
  if (!match) return 0;
  let score = 0;
  if (match.path?.exact !== undefined) score += 10_000 + match.path.exact.length;
  else if (match.path?.regex !== undefined) score += 5_000;
  else if (match.prefix !== undefined) score += match.prefix.length;
  score += (match.headers?.length ?? 0) * 100 + (match.queryParameters?.length ?? 0) * 100 + (match.method ? 50 : 0);
  return score;
}

/**
 * App Mesh evaluates routes by priority (0 first); routes without one come after, the most
 * specific first. Definition order breaks remaining ties.
 */
export function orderRoutes<T extends { priority?: number; match?: HttpRouteMatch | GatewayHttpRoute['match'] }>(routes: T[]): T[] {
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

export function httpRouteOf(route: MeshRoute) {
  return route.httpRoute ?? route.http2Route;
}

/**
 * A gateway route's rewrite: by default the matched prefix becomes `/` and Host becomes the
 * target virtual service's name; `defaultPrefix: DISABLED`, a prefix value, or a path rewrite
 * change that.
 */
export function gatewayRewrite(route: GatewayHttpRoute, targetHostname: string): RouteRewrite {
  const rewrite: RouteRewrite = {};
  const spec = route.action.rewrite;
  if (spec?.path) rewrite.path = spec.path.exact;
  else if (route.match.prefix !== undefined) {
    if (spec?.prefix?.value !== undefined) rewrite.prefix = { matched: route.match.prefix, replacement: spec.prefix.value };
    else if (spec?.prefix?.defaultPrefix !== 'DISABLED') rewrite.prefix = { matched: route.match.prefix, replacement: '/' };
  }
  if (spec?.hostname?.defaultTargetHostname !== 'DISABLED') rewrite.hostname = targetHostname;
  return rewrite;
}
