/**
 * Every App Mesh feature a walkthrough uses, found by reading its definition (every step, every
 * cluster): which feature, in which object and field, saying what. The migration report has one
 * row per use, and each target's renderer must say what became of every one of them — a test
 * compares the two, so nothing is dropped without the report saying so.
 */
import type { AppMeshResource, GatewayRoute, HeaderMatch, Mesh, Route, VirtualGateway, VirtualNode, VirtualRouter, VirtualService, VirtualServiceBackend } from '../model/appmesh.js';
import { isAppMeshResource } from '../model/appmesh.js';
import { K8S } from '../model/kubernetes.js';
import { gatewayPrefixRewrite, orderRoutes, rewritesHostname } from '../model/routing.js';
import { stateAt } from '../model/state.js';
import type { Resource, Walkthrough } from '../model/walkthrough.js';

export const FEATURES = {
  mesh: 'Mesh and the namespaces it selects',
  'sidecar-injection': 'Envoy sidecar injection',
  'envoy-iam': 'IAM permission for Envoy to fetch its configuration',
  'proxy-service-account': 'Service account carrying an IAM role (IRSA)',
  'egress-drop-all': 'egressFilter DROP_ALL',
  'egress-allow-all': 'egressFilter ALLOW_ALL',
  'shared-mesh': 'Mesh shared with another account (meshOwner, AWS RAM)',
  'virtual-node': 'Virtual node listener',
  'dns-discovery': 'DNS service discovery',
  'cloud-map-discovery': 'AWS Cloud Map service discovery',
  'health-check': 'Active health check',
  'outlier-detection': 'Outlier detection',
  'connection-pool': 'Connection pool',
  'listener-tls': 'Listener TLS',
  'client-tls': 'Client TLS policy',
  'listener-timeout': 'Listener timeout',
  backend: 'Declared backend',
  'backend-arn': 'Backend referenced by ARN in another account',
  'access-log': 'Envoy access log',
  'virtual-service': 'Virtual service name',
  'weighted-targets': 'Weighted targets',
  'match-prefix': 'Path prefix match',
  'match-path-exact': 'Exact path match',
  'match-path-regex': 'Path regex match',
  'match-method': 'Method match',
  'match-query': 'Query parameter match',
  'match-header-exact': 'Header match: exact',
  'match-header-regex': 'Header match: regex',
  'match-header-prefix': 'Header match: prefix',
  'match-header-suffix': 'Header match: suffix',
  'match-header-range': 'Header match: range',
  'match-header-present': 'Header match: present',
  'match-header-absent': 'Header match: absent or inverted',
  'route-priority': 'Route priority',
  'retry-policy': 'Retry policy',
  'route-timeout': 'Route timeout',
  'tcp-route': 'TCP route',
  'virtual-gateway': 'Virtual gateway (an Envoy behind a load balancer)',
  'gateway-route': 'Gateway route',
  'gateway-rewrite-prefix': 'Gateway route prefix rewrite',
  'gateway-rewrite-hostname': 'Gateway route Host rewrite',
  'gateway-match-hostname': 'Gateway route hostname match',
  'gateway-match-header': 'Gateway route header match',
  'xray-tracing': 'X-Ray tracing from Envoy',
  'statsd-metrics': 'DogStatsD metrics to a CloudWatch agent',
  'egress-bypass-uid': 'A container running as UID 1337 to bypass Envoy',
  'kong-ingress': 'Kong ingress (Ingress, plugins, consumers)',
  'cloud-map-namespace': 'Cloud Map namespace',
  'vpc-peering': 'VPC peering between the clusters',
  'certificate-authority': 'File-based certificates from a CA of our own',
  'ecs-envoy-proxy': 'Envoy sidecar in an ECS task (APPMESH proxy configuration)',
} as const;

export type FeatureId = keyof typeof FEATURES;
export const FEATURE_IDS = Object.keys(FEATURES) as FeatureId[];

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** One use of a feature: where it is, and what it says at each step it exists. */
export interface FeatureUse {
  feature: FeatureId;
  cluster: string;
  object: ObjectRef;
  /** Where in the object, e.g. `routes[color-route-green].match.headers[color_header]`; empty for the whole object. */
  field: string;
  /** What it says, e.g. `regex .*green.*`. */
  detail: string;
}

export interface CollectedUse extends FeatureUse {
  /** The steps at which the use exists, in order. */
  steps: string[];
  /** When the detail changes between steps: each detail with the steps it holds at. */
  details: { detail: string; steps: string[] }[];
}

export function useKey(use: Pick<FeatureUse, 'feature' | 'cluster' | 'object' | 'field'>): string {
  const { kind, namespace, name } = use.object;
  return `${use.feature}@${use.cluster}:${kind}/${namespace ?? ''}/${name}#${use.field}`;
}

export function describeObject(object: ObjectRef): string {
  return `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
}

function use(feature: FeatureId, cluster: string, resource: { kind: string; metadata: { name: string; namespace?: string } }, field: string, detail: string): FeatureUse {
  const { name, namespace } = resource.metadata;
  return { feature, cluster, object: namespace === undefined ? { kind: resource.kind, name } : { kind: resource.kind, namespace, name }, field, detail };
}

const ms = (d: { unit: 's' | 'ms'; value: number }) => `${d.value}${d.unit}`;

/** Which header-match feature a header condition is. */
export function headerFeature(header: HeaderMatch): FeatureId {
  if (header.invert) return 'match-header-absent';
  const m = header.match;
  if (!m) return 'match-header-present';
  if (m.exact !== undefined) return 'match-header-exact';
  if (m.regex !== undefined) return 'match-header-regex';
  if (m.prefix !== undefined) return 'match-header-prefix';
  if (m.suffix !== undefined) return 'match-header-suffix';
  return 'match-header-range';
}

function headerDetail(header: HeaderMatch): string {
  const m = header.match;
  const value = !m ? 'present' : m.exact !== undefined ? `= ${m.exact}` : m.regex !== undefined ? `~ ${m.regex}` : m.prefix !== undefined ? `starts with ${m.prefix}` : m.suffix !== undefined ? `ends with ${m.suffix}` : `in [${m.range!.start}, ${m.range!.end})`;
  return `${header.name} ${header.invert ? `not (${value})` : value}`;
}

export function meshUses(cluster: string, mesh: Mesh): FeatureUse[] {
  const selector = mesh.spec.namespaceSelector?.matchLabels;
  const uses = [
    use('mesh', cluster, mesh, '', selector ? `selects namespaces labelled ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(', ')}` : 'no namespace selector'),
  ];
  const egress = mesh.spec.egressFilter?.type ?? 'DROP_ALL';
  uses.push(use(egress === 'DROP_ALL' ? 'egress-drop-all' : 'egress-allow-all', cluster, mesh, 'egressFilter', mesh.spec.egressFilter ? egress : `${egress} (the default)`));
  if (mesh.spec.meshOwner) uses.push(use('shared-mesh', cluster, mesh, 'meshOwner', `owned by account ${mesh.spec.meshOwner}`));
  return uses;
}

/** Where a backend sits in its node: `backends[<namespace>/<name>]` (namespace only when the ref names one), or the ARN's last part. */
export function backendField(backend: VirtualServiceBackend): string {
  const { virtualServiceRef: ref, virtualServiceARN: arn } = backend.virtualService;
  return ref ? `backends[${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}]` : `backends[${arn!.split('/').pop()}]`;
}

export function nodeUses(cluster: string, node: VirtualNode): FeatureUse[] {
  const uses: FeatureUse[] = [];
  node.spec.listeners?.forEach((listener, i) => {
    const at = `listeners[${i}]`;
    uses.push(use('virtual-node', cluster, node, at, `${listener.portMapping.protocol} ${listener.portMapping.port}`));
    if (listener.healthCheck) {
      const h = listener.healthCheck;
      uses.push(use('health-check', cluster, node, `${at}.healthCheck`, `${h.protocol} ${h.path ?? ''} every ${h.intervalMillis} ms, timeout ${h.timeoutMillis} ms, healthy ${h.healthyThreshold}, unhealthy ${h.unhealthyThreshold}`.replace('  ', ' ')));
    }
    if (listener.outlierDetection) {
      const o = listener.outlierDetection;
      uses.push(use('outlier-detection', cluster, node, `${at}.outlierDetection`, `${o.maxServerErrors} server errors in ${ms(o.interval)} eject for ${ms(o.baseEjectionDuration)}, at most ${o.maxEjectionPercent}%`));
    }
    if (listener.connectionPool) uses.push(use('connection-pool', cluster, node, `${at}.connectionPool`, JSON.stringify(listener.connectionPool)));
    if (listener.tls) uses.push(use('listener-tls', cluster, node, `${at}.tls`, `${listener.tls.mode}${listener.tls.certificate.file ? ', file certificate' : listener.tls.certificate.acm ? ', ACM certificate' : ', SDS certificate'}`));
    if (listener.timeout) uses.push(use('listener-timeout', cluster, node, `${at}.timeout`, JSON.stringify(listener.timeout)));
  });
  const discovery = node.spec.serviceDiscovery;
  if (discovery?.dns) uses.push(use('dns-discovery', cluster, node, 'serviceDiscovery.dns', discovery.dns.hostname));
  if (discovery?.awsCloudMap) uses.push(use('cloud-map-discovery', cluster, node, 'serviceDiscovery.awsCloudMap', `${discovery.awsCloudMap.serviceName} in ${discovery.awsCloudMap.namespaceName}`));
  for (const backend of node.spec.backends ?? []) {
    const { virtualServiceRef: ref, virtualServiceARN: arn, clientPolicy } = backend.virtualService;
    const field = backendField(backend);
    if (ref) uses.push(use('backend', cluster, node, field, `may call virtual service ${field.slice('backends['.length, -1)}`));
    if (arn) uses.push(use('backend-arn', cluster, node, field, arn));
    if (clientPolicy?.tls) uses.push(use('client-tls', cluster, node, `${field}.clientPolicy.tls`, 'TLS to this backend'));
  }
  if (node.spec.backendDefaults?.clientPolicy?.tls) uses.push(use('client-tls', cluster, node, 'backendDefaults.clientPolicy.tls', 'TLS to every backend'));
  if (node.spec.logging?.accessLog) uses.push(use('access-log', cluster, node, 'logging.accessLog', node.spec.logging.accessLog.file.path));
  return uses;
}

export function virtualServiceUses(cluster: string, vs: VirtualService): FeatureUse[] {
  const provider = vs.spec.provider;
  const by = provider?.virtualRouter ? `router ${provider.virtualRouter.virtualRouterRef?.name ?? provider.virtualRouter.virtualRouterARN}` : provider?.virtualNode ? `node ${provider.virtualNode.virtualNodeRef?.name ?? provider.virtualNode.virtualNodeARN}` : 'no provider';
  return [use('virtual-service', cluster, vs, '', `${vs.spec.awsName ?? `${vs.metadata.name}${vs.metadata.namespace ? `.${vs.metadata.namespace}` : ''}`} → ${by}`)];
}

function routeField(route: Route): string {
  return `routes[${route.name}]`;
}

export function routeUses(cluster: string, router: VirtualRouter, route: Route): FeatureUse[] {
  const at = routeField(route);
  const uses: FeatureUse[] = [];
  const http = route.httpRoute ?? route.http2Route;
  const targets = (http ?? route.tcpRoute ?? route.grpcRoute)?.action.weightedTargets ?? [];
  uses.push(use('weighted-targets', cluster, router, at, targets.map((t) => `${t.virtualNodeRef?.name ?? t.virtualNodeARN} ${t.weight}`).join(', ')));
  if (route.priority !== undefined) uses.push(use('route-priority', cluster, router, `${at}.priority`, String(route.priority)));
  if (route.tcpRoute) uses.push(use('tcp-route', cluster, router, `${at}.tcpRoute`, 'TCP'));
  if (http) {
    const m = http.match;
    if (m.prefix !== undefined) uses.push(use('match-prefix', cluster, router, `${at}.match.prefix`, m.prefix));
    if (m.path?.exact !== undefined) uses.push(use('match-path-exact', cluster, router, `${at}.match.path.exact`, m.path.exact));
    if (m.path?.regex !== undefined) uses.push(use('match-path-regex', cluster, router, `${at}.match.path.regex`, m.path.regex));
    if (m.method) uses.push(use('match-method', cluster, router, `${at}.match.method`, m.method));
    for (const q of m.queryParameters ?? []) uses.push(use('match-query', cluster, router, `${at}.match.queryParameters[${q.name}]`, `${q.name}${q.match ? ` = ${q.match.exact}` : ''}`));
    for (const h of m.headers ?? []) uses.push(use(headerFeature(h), cluster, router, `${at}.match.headers[${h.name}]`, headerDetail(h)));
    if (http.retryPolicy) {
      const r = http.retryPolicy;
      uses.push(use('retry-policy', cluster, router, `${at}.retryPolicy`, `${r.maxRetries} retries, ${ms(r.perRetryTimeout)} each, on ${[...(r.httpRetryEvents ?? []), ...(r.tcpRetryEvents ?? [])].join(', ')}`));
    }
    if (http.timeout) uses.push(use('route-timeout', cluster, router, `${at}.timeout`, Object.entries(http.timeout).map(([k, d]) => `${k} ${ms(d)}`).join(', ')));
  }
  return uses;
}

export function gatewayUses(cluster: string, gateway: VirtualGateway): FeatureUse[] {
  const uses: FeatureUse[] = [];
  gateway.spec.listeners.forEach((listener, i) => {
    const at = `listeners[${i}]`;
    uses.push(use('virtual-gateway', cluster, gateway, at, `${listener.portMapping.protocol} ${listener.portMapping.port}`));
    if (listener.connectionPool) uses.push(use('connection-pool', cluster, gateway, `${at}.connectionPool`, JSON.stringify(listener.connectionPool)));
    if (listener.healthCheck) uses.push(use('health-check', cluster, gateway, `${at}.healthCheck`, `${listener.healthCheck.protocol} ${listener.healthCheck.path ?? ''}`));
    if (listener.tls) uses.push(use('listener-tls', cluster, gateway, `${at}.tls`, listener.tls.mode));
  });
  if (gateway.spec.backendDefaults?.clientPolicy?.tls) uses.push(use('client-tls', cluster, gateway, 'backendDefaults.clientPolicy.tls', 'TLS to every backend'));
  if (gateway.spec.logging?.accessLog) uses.push(use('access-log', cluster, gateway, 'logging.accessLog', gateway.spec.logging.accessLog.file.path));
  return uses;
}

export function gatewayRouteUses(cluster: string, route: GatewayRoute): FeatureUse[] {
  const http = route.spec.httpRoute ?? route.spec.http2Route;
  if (!http) return [use('gateway-route', cluster, route, '', 'gRPC gateway route')];
  const target = http.action.target.virtualService.virtualServiceRef?.name ?? http.action.target.virtualService.virtualServiceARN;
  const m = http.match;
  const what = m.prefix !== undefined ? `prefix ${m.prefix}` : m.path?.exact !== undefined ? `path ${m.path.exact}` : m.path?.regex !== undefined ? `path ~ ${m.path.regex}` : 'any path';
  const uses = [use('gateway-route', cluster, route, 'match', `${what} → ${target}`)];
  const prefix = gatewayPrefixRewrite(http);
  if (prefix) uses.push(use('gateway-rewrite-prefix', cluster, route, 'action.rewrite.prefix', `${prefix.matched} → ${prefix.replacement}${http.action.rewrite?.prefix ? '' : ' (the default)'}`));
  if (http.action.rewrite?.path) uses.push(use('gateway-rewrite-prefix', cluster, route, 'action.rewrite.path', `path → ${http.action.rewrite.path.exact}`));
  if (rewritesHostname(http)) uses.push(use('gateway-rewrite-hostname', cluster, route, 'action.rewrite.hostname', `Host → the target’s name${http.action.rewrite?.hostname ? '' : ' (the default)'}`));
  if (m.hostname) uses.push(use('gateway-match-hostname', cluster, route, 'match.hostname', m.hostname.exact ?? `*${m.hostname.suffix}`));
  for (const h of m.headers ?? []) uses.push(use('gateway-match-header', cluster, route, `match.headers[${h.name}]`, headerDetail(h)));
  return uses;
}

function appMeshUses(cluster: string, resource: AppMeshResource): FeatureUse[] {
  switch (resource.kind) {
    case 'Mesh':
      return meshUses(cluster, resource);
    case 'VirtualNode':
      return nodeUses(cluster, resource);
    case 'VirtualService':
      return virtualServiceUses(cluster, resource);
    case 'VirtualRouter':
      return orderRoutes(resource.spec.routes ?? []).flatMap((route) => routeUses(cluster, resource, route));
    case 'VirtualGateway':
      return gatewayUses(cluster, resource);
    case 'GatewayRoute':
      return gatewayRouteUses(cluster, resource);
  }
}

/** The uses of one resource of a cluster. */
export function resourceUses(cluster: string, resource: Resource): FeatureUse[] {
  if (isAppMeshResource(resource)) return appMeshUses(cluster, resource);
  switch (resource.kind) {
    case 'Namespace':
      return resource.metadata.labels?.[K8S.injectorLabel] === 'enabled' ? [use('sidecar-injection', cluster, resource, `labels.${K8S.injectorLabel}`, 'enabled')] : [];
    case 'IamPolicy':
      return resource.spec.statements.some((s) => s.actions.includes('appmesh:StreamAggregatedResources'))
        ? [use('envoy-iam', cluster, resource, '', resource.spec.statements.flatMap((s) => s.actions).join(', '))]
        : [];
    case 'ServiceAccountRole':
      return [use('proxy-service-account', cluster, resource, '', `role ${resource.spec.roleName} with ${resource.spec.policies.join(', ')}`)];
    case 'ResourceShare':
      return [use('shared-mesh', cluster, resource, '', `mesh ${resource.spec.meshName} shared with ${resource.spec.principals.join(', ')}`)];
    case 'CloudMapNamespace':
      return [use('cloud-map-namespace', cluster, resource, '', `${resource.spec.type} namespace ${resource.metadata.name}`)];
    case 'VpcPeering':
      return [use('vpc-peering', cluster, resource, '', `${resource.spec.requester} ↔ ${resource.spec.accepter}`)];
    case 'CertificateAuthority':
      return [use('certificate-authority', cluster, resource, '', `${resource.spec.commonName}: ${resource.spec.certificates.map((c) => c.name).join(', ')}`)];
    case 'Ingress':
      return [use('kong-ingress', cluster, resource, '', `${resource.spec.ingressClassName}: ${resource.spec.rules.flatMap((r) => r.http.paths.map((p) => `${p.path} → ${p.backend.service.name}`)).join(', ')}`)];
    case 'Workload': {
      const uses: FeatureUse[] = [];
      const env = resource.spec.proxyEnv ?? {};
      if (env.ENABLE_ENVOY_XRAY_TRACING === '1') uses.push(use('xray-tracing', cluster, resource, 'proxyEnv.ENABLE_ENVOY_XRAY_TRACING', `to the ${resource.spec.sidecars?.includes('xray-daemon') ? 'X-Ray daemon beside it' : 'X-Ray daemon'}`));
      if (env.ENABLE_ENVOY_DOG_STATSD === '1') uses.push(use('statsd-metrics', cluster, resource, 'proxyEnv.ENABLE_ENVOY_DOG_STATSD', `to port ${env.STATSD_PORT ?? '8125'}${resource.spec.sidecars?.includes('cloudwatch-agent') ? ' of a CloudWatch agent' : ''}`));
      if (resource.spec.kongIngressControllerUid === 1337) uses.push(use('egress-bypass-uid', cluster, resource, 'kongIngressControllerUid', 'Kong’s ingress controller reaches the Kubernetes API around Envoy'));
      if (resource.spec.ecs?.proxyConfiguration) uses.push(use('ecs-envoy-proxy', cluster, resource, 'ecs.proxyConfiguration', `APPMESH, app ports ${resource.spec.ecs.proxyConfiguration.appPorts.join(', ')}`));
      return uses;
    }
    default:
      return [];
  }
}

/** Every feature use of a walkthrough, over all steps and clusters, in definition order. */
export function featuresOf(walkthrough: Walkthrough): CollectedUse[] {
  const byKey = new Map<string, CollectedUse>();
  for (const step of walkthrough.steps) {
    for (const cluster of stateAt(walkthrough, step.name)) {
      for (const resource of cluster.resources) {
        for (const found of resourceUses(cluster.name, resource)) {
          const key = useKey(found);
          const collected = byKey.get(key) ?? { ...found, steps: [], details: [] };
          collected.steps.push(step.name);
          const last = collected.details.at(-1);
          if (last?.detail === found.detail) last.steps.push(step.name);
          else collected.details.push({ detail: found.detail, steps: [step.name] });
          byKey.set(key, collected);
        }
      }
    }
  }
  return [...byKey.values()];
}
