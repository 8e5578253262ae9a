/**
 * What each App Mesh feature becomes on Istio 1.30 (sidecar mode), read with the evidence the
 * Istio renderer records. Facts from Istio's API reference and code at 1.30.3: first-match route
 * order, header presence as `{}`, `withoutHeaders`, relative weights, `uriRegexRewrite`, no
 * chaining of VirtualServices at a gateway, Sidecar scope, auto mutual TLS, Telemetry providers.
 */
import type { TargetPolicy } from '../../migrate/translation.js';

export const ISTIO_POLICY: TargetPolicy = {
  mesh: { status: 'carried', note: 'Istio’s control plane (istiod) is the mesh; a namespace joins it with the label istio-injection: enabled.' },
  'sidecar-injection': { status: 'carried' },
  'envoy-iam': { status: 'not-needed', note: 'Istio’s proxies get their configuration from istiod inside the cluster: no IAM permission is involved.' },
  'proxy-service-account': {
    status: 'not-needed',
    note: 'No IAM role: each workload runs under a service account of its own, which is its mesh identity (spiffe://cluster.local/ns/<namespace>/sa/<name>).',
  },
  'egress-drop-all': {
    status: 'carried',
    note: 'A Sidecar per workload with outboundTrafficPolicy REGISTRY_ONLY and egress hosts = its declared backends (and istio-system); other calls answer 502.',
  },
  'egress-allow-all': { status: 'carried', evidence: 'optional', note: 'Istio’s default (outboundTrafficPolicy ALLOW_ANY): nothing to render.' },
  'shared-mesh': {
    status: 'partly',
    note: 'Istio has no account boundary to share across: both clusters join one mesh as Istio multi-primary on two networks (a root CA both trust, an east-west gateway each, remote secrets). The RAM share is not needed.',
  },
  'virtual-node': { status: 'carried', note: 'The Service port, with appProtocol telling Istio the protocol.' },
  'dns-discovery': { status: 'carried', note: 'Istio discovers the Kubernetes Service the hostname names.' },
  'cloud-map-discovery': {
    status: 'partly',
    note: 'Istio discovers Kubernetes Services, not Cloud Map: a Service named after the Cloud Map service selects the node’s pods. Cloud Map attributes have no counterpart.',
  },
  'health-check': {
    status: 'partly',
    note: 'Istio has no active health checks: the Deployment’s readiness probe (kubelet, every 10 s) takes a failing pod out of the endpoints Istio routes to.',
  },
  'outlier-detection': { status: 'carried', note: 'DestinationRule outlierDetection: maxServerErrors → consecutive5xxErrors, interval, baseEjectionTime, maxEjectionPercent.' },
  'connection-pool': { status: 'carried', note: 'A DestinationRule connectionPool for each upstream (maxConnections → tcp.maxConnections), only for the listener’s own pods (workloadSelector).' },
  'listener-tls': {
    status: 'partly',
    note: 'A PeerAuthentication STRICT for the node’s pods: mutual TLS with certificates from Istio’s CA (plug your own CA in as the cacerts Secret), not from the files the listener named.',
  },
  'client-tls': { status: 'carried', evidence: 'optional', note: 'Istio’s proxies originate mutual TLS by themselves (auto mTLS): no DestinationRule tls block is rendered, which would turn that off.' },
  'listener-timeout': {
    status: 'dropped',
    reason: 'the Istio renderer does not translate a listener timeout',
    workaround: 'set connectionPool.http.idleTimeout (or tcp.idleTimeout) in a DestinationRule for the node’s host',
  },
  backend: { status: 'carried', note: 'An egress host of the caller’s Sidecar.' },
  'backend-arn': {
    status: 'carried',
    note: 'The other cluster’s service is reached by the same name (same Service name and namespace in both clusters); the caller’s cluster holds its VirtualService, since each Istio control plane applies only its own cluster’s routing.',
  },
  'access-log': { status: 'carried', note: 'Telemetry accessLogging with the built-in provider `envoy` (Envoy’s log format, to /dev/stdout).' },
  'virtual-service': {
    status: 'carried',
    note: 'The VirtualService host (or the Service itself). Istio routes every name of the Service alike — short name, namespace-qualified, full — where App Mesh knew only the one name.',
  },
  'weighted-targets': { status: 'carried', note: 'Destination weights are relative in Istio, as in App Mesh: the same numbers give the same split.' },
  'match-prefix': { status: 'carried' },
  'match-path-exact': { status: 'carried' },
  'match-path-regex': { status: 'carried', note: 'RE2, matching the whole path, as in App Mesh.' },
  'match-method': { status: 'carried' },
  'match-query': { status: 'carried' },
  'match-header-exact': { status: 'carried' },
  'match-header-regex': { status: 'carried', note: 'RE2, matching the whole value, as in App Mesh.' },
  'match-header-prefix': { status: 'carried' },
  'match-header-suffix': { status: 'carried', note: 'As a regex ending in the suffix.' },
  'match-header-range': {
    status: 'dropped',
    reason: 'Istio matches header values exactly, by prefix or by regex only',
    workaround: 'write a regex for the range’s numbers',
  },
  'match-header-present': { status: 'carried', note: 'Istio checks presence with an empty match (`{}`).' },
  'match-header-absent': { status: 'carried', note: 'withoutHeaders.' },
  'route-priority': { status: 'carried', note: 'Istio takes the first http entry that matches: the entries are in App Mesh’s order (priority, then the most specific match).' },
  'retry-policy': {
    status: 'carried',
    note: 'retries: server-error → 5xx, gateway-error → gateway-error, client-error → retriable-4xx, stream-error → refused-stream, connection-error → connect-failure.',
  },
  'route-timeout': { status: 'carried', note: 'The route’s timeout (per request).' },
  'tcp-route': { status: 'carried' },
  'virtual-gateway': {
    status: 'carried',
    note: 'An Istio ingress gateway: a Deployment Istio injects with its gateway template, a Gateway selecting its pods, behind the same Network Load Balancer Service.',
  },
  'gateway-route': {
    status: 'carried',
    note: 'An Istio gateway applies only VirtualServices bound to it, so each gateway route is folded into the routes of its target’s router in the gateway’s VirtualService (and a 404 where the router has no route, as App Mesh answers).',
  },
  'gateway-rewrite-prefix': { status: 'carried', note: 'uriRegexRewrite `^<prefix>/?(.*)$` → `/\\1`: `/paths/red` becomes `/red`, as App Mesh rewrites it (a plain uri rewrite would give `//red`).' },
  'gateway-rewrite-hostname': { status: 'carried', note: 'rewrite.authority: the target’s name.' },
  'gateway-match-hostname': { status: 'carried', note: 'The match’s authority.' },
  'gateway-match-header': { status: 'carried' },
  'xray-tracing': {
    status: 'partly',
    note: 'Istio has no X-Ray tracer: Telemetry tracing (every request sampled) sends spans over OpenTelemetry to an ADOT collector, which sends them to X-Ray’s OTLP endpoint (CloudWatch Transaction Search must be on). Spans come from each HTTP hop’s proxy and carry W3C trace context (traceparent), not the X-Ray header; TCP hops (Postgres, Redis) make no span.',
  },
  'statsd-metrics': {
    status: 'partly',
    note: 'Istio has no DogStatsD sink: the ADOT collector scrapes each proxy’s Prometheus stats and publishes them to CloudWatch (embedded metric format); the proxies keep their per-upstream counters (proxyStatsMatcher), readable on the proxy with pilot-agent.',
  },
  'egress-bypass-uid': {
    status: 'carried',
    note: 'Istio’s iptables rules also leave UID 1337 (the proxy’s own) alone, so Kong’s controller still reaches the Kubernetes API around the proxy.',
  },
  'kong-ingress': { status: 'carried', note: 'Unchanged: Kong runs with an Istio proxy beside it and sends each request to the Service, with the virtual service’s name as Host.' },
  'cloud-map-namespace': { status: 'not-needed', note: 'Istio discovers Kubernetes Services; no Cloud Map namespace is used.' },
  'vpc-peering': { status: 'carried', note: 'Kept: each east-west gateway is an internal load balancer the other cluster reaches across the peering.' },
};
