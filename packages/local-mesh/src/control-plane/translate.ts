/**
 * App Mesh route and policy shapes → the local proxies' shapes: durations, matches, retry
 * policies, health checks, outlier detection and route ordering, with App Mesh's defaults.
 */
import { DEFAULT_ROUTE_TIMEOUT_MS, gatewayPrefixRewrite, orderRoutes, rewritesHostname } from '@amw/mesh-manifests';
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

export { DEFAULT_ROUTE_TIMEOUT_MS };

export function durationMs(duration: Duration | undefined): number | undefined {
  if (!duration) return undefined;
  return duration.unit === 's' ? duration.value * 1000 : duration.value;
}

/** App Mesh's `idle` (HTTP routes and listeners, TCP routes and listeners); unset means Envoy's default. */
export function idleMs(timeout: { idle?: Duration } | undefined): { idleTimeoutMs?: number } {
  const idle = durationMs(timeout?.idle);
  return idle === undefined ? {} : { idleTimeoutMs: idle };
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

/** App Mesh's route order: priority, then the most specific match, then definition order. */
export { orderRoutes };

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
  const prefix = gatewayPrefixRewrite(route);
  if (route.action.rewrite?.path) rewrite.path = route.action.rewrite.path.exact;
  else if (prefix) rewrite.prefix = prefix;
  if (rewritesHostname(route)) rewrite.hostname = targetHostname;
  return rewrite;
}
