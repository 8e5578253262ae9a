/**
 * What each App Mesh feature becomes on the Gateway API over Amazon VPC Lattice, as the AWS Gateway
 * API Controller v2.1.3 builds it (facts from its code and docs at that tag: the rule builder
 * accepts Exact and PathPrefix paths, exact header values — at most five — and one match per rule;
 * it never reads filters, timeouts or retries; rules are tried in order; a Gateway is a service
 * network, not an ingress proxy) and from AWS's VPC Lattice documentation.
 */
import type { TargetPolicy } from '../../migrate/translation.js';

const noGateway = 'Lattice has no ingress gateway (see the virtual gateway)';

export const LATTICE_POLICY: TargetPolicy = {
  mesh: {
    status: 'carried',
    note: 'A Lattice service network: the ServiceNetwork (or, shared from another account, the one AWS RAM shares), the Gateway of class amazon-vpc-lattice named after it, and the cluster VPC’s association.',
  },
  'sidecar-injection': { status: 'not-needed', note: 'No proxy in the pods: Lattice’s data plane is outside them.' },
  'envoy-iam': { status: 'not-needed', note: 'No Envoy to configure. (The controller itself needs the IAM policy of its install guide.)' },
  'proxy-service-account': { status: 'not-needed', note: 'No proxy needs an IAM role; each workload runs under a service account of its own.' },
  'egress-drop-all': {
    status: 'dropped',
    reason: 'Lattice sees only the traffic sent to Lattice services; it cannot stop a pod from calling anything else',
    workaround: 'Kubernetes NetworkPolicies (the VPC CNI enforces them) or security groups for pods',
  },
  'egress-allow-all': { status: 'carried', evidence: 'optional', note: 'Nothing restricts what pods call: nothing to render.' },
  'shared-mesh': {
    status: 'partly',
    note: 'The service network is shared with AWS RAM (cloudformation/service-network.yaml); the other account’s Gateway of the same name joins its Lattice services to it. Lattice authorizes each request instead of a shared mesh. No ServiceExport/ServiceImport: the controller finds an imported service’s target groups with its own account’s credentials and documents no cross-account use, while each account’s own HTTPRoute already publishes its service into the shared network.',
  },
  'virtual-node': { status: 'carried', note: 'The Service’s endpoints (pod IPs) are registered as the targets of a Lattice target group.' },
  'dns-discovery': { status: 'carried', note: 'The controller registers the Service’s endpoints with Lattice.' },
  'cloud-map-discovery': {
    status: 'partly',
    note: 'Lattice registers Kubernetes Service endpoints, not Cloud Map instances: a Service named after the Cloud Map service selects the node’s pods. Cloud Map attributes have no counterpart.',
  },
  'health-check': { status: 'carried', note: 'A TargetGroupPolicy health check (path, interval, timeout, thresholds) that Lattice runs against each target.' },
  'outlier-detection': {
    status: 'dropped',
    reason: 'Lattice has no outlier detection',
    workaround: 'rely on the target group’s active health check (TargetGroupPolicy)',
  },
  'connection-pool': {
    status: 'dropped',
    reason: 'Lattice has no per-client connection limits',
    workaround: 'limit connections in the caller, or scale the targets',
  },
  'listener-tls': {
    status: 'dropped',
    reason: 'the controller sets up no TLS between Lattice and the pods from certificates the listener names, and Lattice has no client-certificate mutual TLS',
    workaround: 'an HTTPS listener with an ACM certificate for the callers, and IAM auth (signed requests) to know who calls',
  },
  'client-tls': {
    status: 'dropped',
    reason: 'callers speak to Lattice, not to the node: there is no client TLS policy to carry',
    workaround: 'call the service over an HTTPS listener (ACM certificate)',
  },
  'listener-timeout': { status: 'dropped', reason: 'the controller configures no idle timeouts', workaround: 'set the timeout in the caller' },
  backend: {
    status: 'partly',
    note: 'Lattice admits callers by IAM: the IAMAuthPolicy admits unsigned requests from VPCs owned by the mesh’s account(s) — it cannot tell one pod from another unless callers sign their requests (SigV4). The caller reaches the service by its Lattice name (its environment points there).',
  },
  'backend-arn': {
    status: 'partly',
    note: 'The backend’s own account renders the route; its IAMAuthPolicy admits unsigned requests from the calling account’s VPCs, and the caller reaches it by its Lattice name.',
  },
  'access-log': {
    status: 'partly',
    note: 'An AccessLogPolicy on the service network: Lattice logs every request of every service in it, in Lattice’s own JSON format (not Envoy’s), to a CloudWatch Logs group.',
  },
  'virtual-service': {
    status: 'partly',
    note: 'A Lattice service with a name of its own in a private DNS zone (<name>.<namespace>.<walkthrough>.internal): callers must use it — the renderer points their environment at it — since the mesh name no longer routes anything.',
  },
  'weighted-targets': { status: 'carried', note: 'Weighted backendRefs: Lattice weighted target groups (weights 0–999, relative).' },
  'match-prefix': { status: 'carried', note: 'PathPrefix (case-sensitive, as in App Mesh).' },
  'match-path-exact': { status: 'carried' },
  'match-path-regex': {
    status: 'dropped',
    reason: 'the controller accepts only Exact and PathPrefix paths',
    workaround: 'list the paths as Exact or PathPrefix rules',
  },
  'match-method': { status: 'carried' },
  'match-query': { status: 'dropped', reason: 'the controller rejects query parameter matches', workaround: 'match on a header instead' },
  'match-header-exact': {
    status: 'partly',
    note: 'An Exact header match, but Lattice compares the value without regard to case where App Mesh’s exact match minded it: a value in other capitals now matches too.',
  },
  'match-header-regex': { status: 'dropped', reason: 'the controller accepts only exact header values', workaround: 'match the exact values you expect' },
  'match-header-prefix': { status: 'dropped', reason: 'the controller accepts only exact header values', workaround: 'match the exact values you expect' },
  'match-header-suffix': { status: 'dropped', reason: 'the controller accepts only exact header values', workaround: 'match the exact values you expect' },
  'match-header-range': { status: 'dropped', reason: 'the controller accepts only exact header values', workaround: 'match the exact values you expect' },
  'match-header-present': { status: 'dropped', reason: 'Lattice cannot match a header’s mere presence', workaround: 'match the exact values you expect' },
  'match-header-absent': { status: 'dropped', reason: 'Lattice cannot match a missing header', workaround: 'make the route without the header the last rule' },
  'route-priority': { status: 'carried', note: 'Rule order: the controller gives the rules priorities 1, 2, … in order, and Lattice takes the first that matches.' },
  'retry-policy': {
    status: 'dropped',
    reason: 'the controller ignores retries (the Gateway API’s retry field is experimental, and Lattice has none)',
    workaround: 'retry in the caller’s HTTP client',
  },
  'route-timeout': {
    status: 'dropped',
    reason: 'the controller ignores the HTTPRoute’s timeouts',
    workaround: 'set the timeout in the caller’s HTTP client',
  },
  'tcp-route': {
    status: 'dropped',
    reason: 'Lattice services speak HTTP, HTTPS, gRPC or TLS passthrough',
    workaround: 'reach a TCP service by its Kubernetes Service name inside the cluster, or through a TLS listener',
  },
  'virtual-gateway': {
    status: 'dropped',
    reason: 'a Lattice Gateway is a service network, not an ingress proxy: the controller handles traffic between services only',
    workaround: 'AWS’s pattern: a Network Load Balancer in front of a fleet of proxies (NGINX) in a VPC associated with the service network. Here the checks call the Lattice services from a pod inside the VPC',
  },
  'gateway-route': { status: 'dropped', reason: noGateway, workaround: 'call the target’s Lattice service directly: its routes are carried' },
  'gateway-rewrite-prefix': {
    status: 'dropped',
    reason: `${noGateway}; and the controller ignores URLRewrite filters`,
    workaround: 'call the service with the path the gateway would have sent, or rewrite in the ingress proxies',
  },
  'gateway-rewrite-hostname': { status: 'dropped', reason: `${noGateway}; Lattice picks the service by Host`, workaround: 'callers send the Lattice name as Host' },
  'gateway-match-hostname': { status: 'dropped', reason: noGateway, workaround: 'one Lattice service per host name' },
  'gateway-match-header': { status: 'dropped', reason: noGateway, workaround: 'match the header in the service’s rules (exact values only)' },
  'xray-tracing': {
    status: 'dropped',
    reason: 'Lattice makes no trace spans, and there is no proxy in the pod to make them',
    workaround: 'instrument the apps with OpenTelemetry (the ADOT SDKs or auto-instrumentation) and send their traces to X-Ray',
  },
  'statsd-metrics': {
    status: 'partly',
    evidence: 'optional',
    note: 'No per-proxy stats: Lattice publishes CloudWatch metrics per service and target group (namespace AWS/VpcLattice: requests, response codes, latency) on its own.',
  },
  'egress-bypass-uid': { status: 'not-needed', note: 'No proxy captures the pod’s traffic: Kong’s controller runs as an ordinary user and reaches the Kubernetes API directly.' },
  'kong-ingress': {
    status: 'carried',
    note: 'Kong stays in front, without a proxy beside it: its Ingress backends are ExternalName Services naming the Lattice services, which Kong calls with the Lattice name as Host.',
  },
  'cloud-map-namespace': { status: 'not-needed', note: 'Lattice registers Kubernetes Service endpoints; no Cloud Map namespace is used.' },
  'vpc-peering': { status: 'not-needed', note: 'Lattice connects the VPCs: the caller reaches the other account’s service through the shared service network, without peering.' },
};
