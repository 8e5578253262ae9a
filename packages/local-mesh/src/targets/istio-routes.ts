/**
 * A VirtualService's http entries as the local proxy's routes, with Istio's semantics: entries in
 * file order and the first match wins (no reordering by specificity, unlike App Mesh), each match
 * clause an alternative, no timeout unless given, and Istio's default retries.
 */
import type { HeaderCondition, RetryEvent, RetryPolicy, Route, RouteMatch, RouteRewrite, StringMatch, WeightedCluster } from '../proxy/routing.js';
import { durationMs, fail, isJson, labelsMatch, onlyKnown, stringList, type Json } from './istio-objects.js';
import type { Sourced } from './rendered-files.js';

/** Who is asking: the proxy the routes are for, so source- and gateway-bound matches can be decided now. */
export interface RouteScope {
  labels: Record<string, string>;
  namespace: string | undefined;
  /** `mesh` for a sidecar; `<namespace>/<name>` of each Gateway a gateway pod serves. */
  gateways: string[];
  /** The service port (sidecar) or server port (gateway) the routes answer on. */
  port: number;
  /** The cluster a destination means, registered with the proxy's configuration. */
  destination: (vs: Sourced, host: string, subset: string | undefined, port: number | undefined) => string;
}

const HTTP_FIELDS = ['name', 'match', 'route', 'rewrite', 'timeout', 'retries'];
const MATCH_FIELDS = ['name', 'uri', 'headers', 'withoutHeaders', 'method', 'queryParams', 'authority', 'scheme', 'port', 'sourceLabels', 'sourceNamespace', 'gateways', 'statPrefix'];

/**
 * Istio's retries when a VirtualService gives none: 2 attempts on
 * connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes (503).
 */
export const ISTIO_DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

/**
 * retryOn → the local proxy's retry events. Approximations, since the local proxy has no event per
 * status code: `retriable-status-codes` (503 in Istio's default) and `503` become gateway-error,
 * which also retries 502, 504 and resets; `refused-stream` (HTTP/2) and the gRPC conditions
 * (`unavailable`, `cancelled`, `deadline-exceeded`, `resource-exhausted`, `internal`) cannot occur
 * on the local HTTP/1 hops to our apps, so they add nothing.
 */
const RETRY_ON: Record<string, RetryEvent[]> = {
  '5xx': ['server-error'],
  'gateway-error': ['gateway-error'],
  'connect-failure': ['connection-error'],
  'retriable-4xx': ['client-error'],
  reset: ['stream-error'],
  'retriable-status-codes': ['gateway-error'],
  'refused-stream': [],
  unavailable: [],
  cancelled: [],
  'deadline-exceeded': [],
  'resource-exhausted': [],
  internal: [],
};

/** ISTIO_DEFAULT_RETRY_ON through RETRY_ON. */
const ISTIO_DEFAULT_RETRY: RetryPolicy = { maxRetries: 2, perTryTimeoutMs: 0, events: ['connection-error', 'gateway-error'] };

function retryPolicy(vs: Sourced, retries: unknown): RetryPolicy | undefined {
  if (retries === undefined) return { ...ISTIO_DEFAULT_RETRY, events: [...ISTIO_DEFAULT_RETRY.events] };
  const spec: Json = isJson(retries) ? retries : fail(vs, 'retries is not an object', 'write attempts, perTryTimeout and retryOn');
  onlyKnown(vs, spec, ['attempts', 'perTryTimeout', 'retryOn', 'retryRemoteLocalities'], 'retries');
  const attempts = typeof spec.attempts === 'number' ? spec.attempts : 2;
  if (attempts <= 0) return undefined;
  const events = new Set<RetryEvent>();
  for (const condition of String(spec.retryOn ?? ISTIO_DEFAULT_RETRY_ON).split(',').map((c) => c.trim()).filter(Boolean)) {
    const mapped = RETRY_ON[condition] ?? (/^\d{3}$/.test(condition) ? statusEvent(Number(condition)) : undefined);
    if (!mapped) fail(vs, `retryOn ${condition} is not a condition the local mesh can retry on`, `use ${Object.keys(RETRY_ON).join(', ')} or 409/502/503/504`);
    for (const event of mapped) events.add(event);
  }
  return { maxRetries: attempts, perTryTimeoutMs: spec.perTryTimeout === undefined ? 0 : durationMs(vs, spec.perTryTimeout, 'retries.perTryTimeout'), events: [...events] };
}

function statusEvent(status: number): RetryEvent[] | undefined {
  if (status === 409) return ['client-error'];
  return status === 502 || status === 503 || status === 504 ? ['gateway-error'] : undefined;
}

/** Istio validates regexes as RE2; a pattern JavaScript reads differently (or not at all) is refused. */
function regex(vs: Sourced, pattern: unknown, field: string): string {
  if (typeof pattern !== 'string') fail(vs, `${field} regex is not a string`, 'write the pattern as a string');
  if (/\(\?<?[=!]|\\[1-9]|\(\?[imsU-]/.test(pattern)) fail(vs, `${field} regex ${pattern} uses lookaround, back-references or inline flags, which RE2 (Istio) or the local proxy cannot run`, 'write it without them');
  try {
    new RegExp(pattern);
  } catch {
    fail(vs, `${field} regex ${pattern} is not a regex the local proxy can run`, 'fix the pattern');
  }
  return pattern;
}

function stringMatch(vs: Sourced, value: unknown, field: string): StringMatch | undefined {
  if (!isJson(value)) fail(vs, `${field} is not a string match`, 'use exact, prefix or regex');
  onlyKnown(vs, value, ['exact', 'prefix', 'regex'], field);
  const keys = Object.keys(value);
  if (keys.length === 0) return undefined;
  if (keys.length > 1) fail(vs, `${field} has more than one of exact, prefix, regex`, 'keep one');
  if (value.regex !== undefined) return { regex: regex(vs, value.regex, field) };
  return value.exact !== undefined ? { exact: String(value.exact) } : { prefix: String(value.prefix) };
}

function headerConditions(vs: Sourced, headers: unknown, invert: boolean, field: string): HeaderCondition[] {
  if (headers === undefined) return [];
  if (!isJson(headers)) fail(vs, `${field} is not a map of header names`, 'write header: {exact|prefix|regex: value}');
  return Object.entries(headers).map(([name, value]) => {
    // An empty match (`{}`) asks only that the header be present, as Istio's present_match.
    const match = stringMatch(vs, value, `${field}.${name}`);
    return { name: name.toLowerCase(), ...(match ? { match } : {}), ...(invert ? { invert: true } : {}) };
  });
}

/** One match clause, or undefined when it can never hold for this proxy (source, gateway, port). */
function clause(vs: Sourced, m: Json, scope: RouteScope): RouteMatch | undefined {
  onlyKnown(vs, m, MATCH_FIELDS, 'http match');
  if (m.sourceLabels !== undefined && !labelsMatch(m.sourceLabels, scope.labels)) return undefined;
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== scope.namespace) return undefined;
  if (m.gateways !== undefined && !stringList(m.gateways).some((g) => scope.gateways.includes(gatewayRef(g, vs.object.metadata.namespace)))) return undefined;
  if (m.port !== undefined && m.port !== scope.port) return undefined;
  const out: RouteMatch = {};
  if (m.uri !== undefined) {
    const uri = stringMatch(vs, m.uri, 'match.uri');
    if (uri?.exact !== undefined) out.path = { exact: uri.exact };
    else if (uri?.regex !== undefined) out.path = { regex: uri.regex };
    else if (uri?.prefix !== undefined) out.prefix = uri.prefix;
  }
  if (out.prefix === undefined && out.path === undefined) out.prefix = '/';
  const headers = [...headerConditions(vs, m.headers, false, 'match.headers'), ...headerConditions(vs, m.withoutHeaders, true, 'match.withoutHeaders')];
  if (m.authority !== undefined) {
    // Envoy matches :authority; over HTTP/1 the local proxy reads it from Host.
    const authority = stringMatch(vs, m.authority, 'match.authority');
    headers.push({ name: 'host', ...(authority ? { match: authority } : {}) });
  }
  if (headers.length > 0) out.headers = headers;
  if (m.method !== undefined) {
    const method = stringMatch(vs, m.method, 'match.method');
    if (method?.exact === undefined) fail(vs, 'match.method is not an exact match', 'the local proxy matches methods exactly: use exact');
    out.method = method.exact;
  }
  if (m.scheme !== undefined) {
    const scheme = stringMatch(vs, m.scheme, 'match.scheme');
    if (scheme?.exact !== 'http' && scheme?.exact !== 'https') fail(vs, 'match.scheme is not exact http or https', 'use exact: http or exact: https');
    out.scheme = scheme.exact;
  }
  if (m.queryParams !== undefined) {
    if (!isJson(m.queryParams)) fail(vs, 'match.queryParams is not a map', 'write name: {exact: value}');
    out.queryParameters = Object.entries(m.queryParams).map(([name, value]) => {
      const match = stringMatch(vs, value, `match.queryParams.${name}`);
      if (match && match.exact === undefined) fail(vs, `match.queryParams.${name} is not an exact match`, 'the local proxy matches query parameters exactly: use exact');
      return { name, ...(match?.exact !== undefined ? { match: { exact: match.exact } } : {}) };
    });
  }
  return out;
}

/** `name` (the VirtualService's namespace) or `ns/name`, as `ns/name`; `mesh` stays `mesh`. */
export function gatewayRef(ref: string, namespace: string | undefined): string {
  return ref === 'mesh' || ref.includes('/') ? ref : `${namespace ?? 'default'}/${ref}`;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Envoy's rewrites, by how the clause matched the path. */
function rewriteOf(vs: Sourced, rewrite: unknown, match: RouteMatch): RouteRewrite | undefined {
  if (rewrite === undefined) return undefined;
  if (!isJson(rewrite)) fail(vs, 'rewrite is not an object', 'write uri, authority or uriRegexRewrite');
  onlyKnown(vs, rewrite, ['uri', 'authority', 'uriRegexRewrite'], 'rewrite');
  const out: RouteRewrite = {};
  if (typeof rewrite.authority === 'string') out.hostname = rewrite.authority;
  if (typeof rewrite.uri === 'string') {
    // Envoy's prefix_rewrite replaces the matched prefix verbatim (no slash merging); an exact match
    // is replaced whole. A regex match has no prefix to replace.
    if (match.path?.regex !== undefined) fail(vs, 'rewrite.uri follows a regex uri match, which has no prefix to replace', 'use uriRegexRewrite');
    if (match.path?.exact !== undefined) out.path = rewrite.uri;
    else out.regex = { pattern: `^${escapeRegex(match.prefix ?? '/')}`, substitution: rewrite.uri.replace(/\$/g, '$$$$') };
  }
  if (rewrite.uriRegexRewrite !== undefined) {
    const spec = isJson(rewrite.uriRegexRewrite) ? rewrite.uriRegexRewrite : fail(vs, 'rewrite.uriRegexRewrite is not an object', 'write match and rewrite');
    if (out.regex || out.path) fail(vs, 'rewrite has both uri and uriRegexRewrite', 'keep one');
    // RE2 writes a group as \1; JavaScript's replacement syntax writes $1 (and a literal $ as $$).
    const substitution = String(spec.rewrite ?? '').replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
    out.regex = { pattern: regex(vs, spec.match, 'rewrite.uriRegexRewrite'), substitution };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function destinations(vs: Sourced, entry: Json, scope: RouteScope): WeightedCluster[] {
  const route = Array.isArray(entry.route) ? entry.route : [];
  if (route.length === 0) fail(vs, `http entry ${String(entry.name ?? '')} has no route`, 'give it route destinations (redirect and directResponse are not implemented locally)');
  return route.map((r: unknown) => {
    if (!isJson(r) || !isJson(r.destination) || typeof r.destination.host !== 'string') fail(vs, 'a route has no destination.host', 'write destination: {host: …}');
    onlyKnown(vs, r, ['destination', 'weight'], 'route');
    const d = r.destination;
    onlyKnown(vs, d, ['host', 'subset', 'port'], 'route.destination');
    const port = isJson(d.port) && typeof d.port.number === 'number' ? d.port.number : undefined;
    const cluster = scope.destination(vs, d.host as string, typeof d.subset === 'string' ? d.subset : undefined, port);
    // One destination takes everything; among several, an unweighted one takes nothing.
    const weight = typeof r.weight === 'number' ? r.weight : route.length === 1 ? 100 : 0;
    return { cluster, weight };
  });
}

export function httpRoutes(vs: Sourced, http: unknown, scope: RouteScope): Route[] {
  if (http === undefined) return [];
  if (!Array.isArray(http)) fail(vs, 'spec.http is not a list', 'write http as a list of entries');
  const routes: Route[] = [];
  http.forEach((value: unknown, index) => {
    if (!isJson(value)) fail(vs, `http entry ${index} is not an object`, 'fix the entry');
    const entry = value;
    const extra = Object.keys(entry).filter((k) => !HTTP_FIELDS.includes(k));
    if (extra.length > 0) {
      fail(vs, `http entry ${String(entry.name ?? index)} uses ${extra.join(', ')}, which the local mesh does not implement (fault injection, redirects, direct responses, mirroring, header changes, CORS, delegation)`, `remove ${extra.join(', ')} to run it locally`);
    }
    const matches = entry.match === undefined ? [{}] : Array.isArray(entry.match) ? entry.match : fail(vs, 'match is not a list', 'write match as a list of clauses');
    const clusters = destinations(vs, entry, scope);
    const timeoutMs = entry.timeout === undefined ? 0 : durationMs(vs, entry.timeout, 'timeout');
    const retry = retryPolicy(vs, entry.retries);
    const name = typeof entry.name === 'string' ? entry.name : `${vs.object.metadata.name}.${index}`;
    for (const m of matches as unknown[]) {
      if (!isJson(m)) fail(vs, `a match clause of ${name} is not an object`, 'fix the clause');
      const match = clause(vs, m, scope);
      if (!match) continue;
      const rewrite = rewriteOf(vs, entry.rewrite, match);
      routes.push({ name, match, clusters, timeoutMs, ...(retry ? { retry } : {}), ...(rewrite ? { rewrite } : {}) });
    }
  });
  return routes;
}

/** The route Istio gives a host no VirtualService covers: everything to the whole Service, with default retries. */
export function defaultRoute(cluster: string): Route {
  return { name: 'default', match: { prefix: '/' }, clusters: [{ cluster, weight: 1 }], timeoutMs: 0, retry: { ...ISTIO_DEFAULT_RETRY, events: [...ISTIO_DEFAULT_RETRY.events] } };
}
