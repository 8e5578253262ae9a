/**
 * Istio (sidecar mode) on EKS: every EKS walkthrough rendered for Istio 1.30 from its App Mesh
 * definition. Namespaces join the mesh by Istio's injection label; each virtual router becomes a
 * VirtualService (its routes in App Mesh's order, since Istio takes the first match) with a
 * DestinationRule where nodes are subsets of one Service; each virtual gateway becomes an Istio
 * ingress gateway (a Deployment Istio injects, a Gateway, and a VirtualService that folds the
 * gateway route into the target router's routes); DROP_ALL becomes a Sidecar per workload with
 * REGISTRY_ONLY and its backends as egress hosts; access logs and tracing are Telemetry, traces go
 * through an OpenTelemetry collector (ADOT) to X-Ray. A shared mesh across two clusters becomes
 * Istio multi-primary on two networks. What Istio cannot carry is left out and the migration
 * report says so (see policy.ts).
 */
import type { Route, VirtualGateway, VirtualNode, VirtualRouter, VirtualService } from '../../model/appmesh.js';
import { headerFeature, resourceUses } from '../../migrate/features.js';
import { keyOf, type TranslationLog } from '../../migrate/translation.js';
import { COMPONENTS } from '../../model/components.js';
import { K8S, type Namespace, type Service } from '../../model/kubernetes.js';
import { DEFAULT_ROUTE_TIMEOUT_MS, gatewayPrefixRewrite } from '../../model/routing.js';
import { ofKind } from '../../model/state.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import type { Workload } from '../../model/workload.js';
import { deploymentFor } from '../eks/deployment.js';
import { kongClusterObjects } from '../eks/kong.js';
import { baseSettings, exampleRegistry, ReplacementSet, select } from '../eks/kustomize.js';
import type { K8sObject } from '../eks/output.js';
import { peeringTemplates } from '../eks/cloudformation.js';
import type { RenderedFile } from '../files.js';
import { meshServices, nodesAddressedBy, nodeService, portIndexFor, serviceAccountOf, servicePortFor } from '../kubernetes/mesh-services.js';
import { carry, emit, emitKongObjects, ref, type TargetContext } from '../kubernetes/target-context.js';
import { renderKubernetesTarget, type ClusterOutput, type KubernetesTarget } from '../kubernetes/target-tree.js';
import { targetFolder } from '../layout.js';
import { fqdn, MeshGraph } from '../mesh-graph.js';
import { yamlFile } from '../yaml.js';
import { composeWithGateway, gatewayRewrite, isIdentity, istioMatch, istioRetries, istioTimeout, routeMatchParts, type Json, type MatchParts } from './http-route.js';
import { adotCollector, ADOT_SERVICE_ACCOUNT, COLLECTOR, istioNetwork, istiodValues, TRACING_PROVIDER } from './observability.js';

export const ISTIO_VERSION = '1.30.3';
export const NETWORKING = 'networking.istio.io/v1';
export const SECURITY = 'security.istio.io/v1';
export const TELEMETRY = 'telemetry.istio.io/v1';

const APPMESH_LABELS = new Set<string>([K8S.injectorLabel]);

type Context = TargetContext;

function meshLabelKeys(graph: MeshGraph): Set<string> {
  const keys = new Set(APPMESH_LABELS);
  for (const selector of [graph.mesh?.spec.namespaceSelector, ...graph.gateways.map((g) => g.spec.namespaceSelector)]) {
    for (const key of Object.keys(selector?.matchLabels ?? {})) keys.add(key);
  }
  return keys;
}

function meshNamespaces(graph: MeshGraph): Namespace[] {
  return ofKind(graph.resources, 'Namespace').filter((ns) => ns.metadata.labels?.[K8S.injectorLabel] === 'enabled');
}

function emitNamespaces(context: Context): void {
  const { graph } = context;
  const dropped = meshLabelKeys(graph);
  for (const ns of ofKind(graph.resources, 'Namespace')) {
    const injected = ns.metadata.labels?.[K8S.injectorLabel] === 'enabled';
    const labels = Object.fromEntries(Object.entries(ns.metadata.labels ?? {}).filter(([k]) => !dropped.has(k)));
    const object = emit(
      context,
      'namespaces.yaml',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.metadata.name, labels: { ...labels, ...(injected ? { 'istio-injection': 'enabled' } : {}) } } },
      injected ? '`istio-injection: enabled` makes Istio add its proxy to every pod here: this label is what joins a namespace to the mesh.' : undefined,
    );
    if (injected) carry(context, 'sidecar-injection', context.cluster.name, ns, `labels.${K8S.injectorLabel}`, ref(context, object, ['metadata', 'labels', 'istio-injection']));
    if (graph.mesh && injected) carry(context, 'mesh', context.cluster.name, graph.mesh, '', ref(context, object, ['metadata', 'labels', 'istio-injection']));
  }
  for (const ns of meshNamespaces(graph)) {
    emit(
      context,
      'peer-authentications.yaml',
      { apiVersion: SECURITY, kind: 'PeerAuthentication', metadata: { name: 'default', namespace: ns.metadata.name }, spec: { mtls: { mode: 'PERMISSIVE' } } },
      'PERMISSIVE: the proxies accept mutual TLS and plain text. Istio’s proxies still talk mutual TLS to each other\n(auto mTLS); plain text comes only from clients outside the mesh. Workloads whose listeners require TLS get STRICT.',
    );
  }
}

/** The workload-level PeerAuthentication for nodes whose listener requires TLS. */
function emitListenerTls(context: Context, node: VirtualNode): void {
  node.spec.listeners?.forEach((listener, i) => {
    if (!listener.tls) return;
    const workloads = context.graph.workloadsOf(node);
    const mode = listener.tls.mode === 'DISABLED' ? 'DISABLE' : listener.tls.mode;
    for (const workload of workloads) {
      const object = emit(
        context,
        'peer-authentications.yaml',
        {
          apiVersion: SECURITY,
          kind: 'PeerAuthentication',
          metadata: { name: workload.metadata.name, namespace: workload.metadata.namespace! },
          spec: { selector: { matchLabels: { ...workload.spec.podLabels } }, mtls: { mode } },
        },
        `Virtual node ${node.metadata.name} required TLS on its listener: Istio’s proxy now requires mutual TLS, with certificates from Istio’s CA.`,
      );
      carry(context, 'listener-tls', context.cluster.name, node, `listeners[${i}].tls`, ref(context, object, ['spec', 'mtls', 'mode']));
    }
  });
}

/** The appProtocol Istio reads (it would otherwise sniff): tcp for a node's tcp listener, http for the rest. */
function portProtocol(context: Context, service: Service, port: Service['spec']['ports'][number]): 'tcp' | 'http' {
  const { graph } = context;
  for (const workload of graph.workloadsSelectedBy(service)) {
    const container = workload.spec.ports.find((p) => p.name === port.targetPort || p.port === port.targetPort);
    const node = graph.identityOf(workload);
    if (container && node?.kind === 'VirtualNode' && node.spec.listeners?.some((l) => l.portMapping.port === container.port && l.portMapping.protocol === 'tcp')) return 'tcp';
  }
  return 'http';
}

function emitServices(context: Context, services: readonly Service[]): void {
  const { graph } = context;
  for (const service of services) {
    const object = emit(context, 'services.yaml', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: structuredClone(service.metadata) as K8sObject['metadata'],
      spec: { ...structuredClone(service.spec), ports: service.spec.ports.map((p) => ({ ...p, appProtocol: portProtocol(context, service, p) })) },
    }, service.spec.selector ? undefined : 'No selector: this Service gives the virtual service’s name an address; Istio’s proxies route what is sent to it.');
    for (const { node, by } of nodesAddressedBy(graph, service)) {
      carry(context, by === 'dns' ? 'dns-discovery' : 'cloud-map-discovery', context.cluster.name, node, by === 'dns' ? 'serviceDiscovery.dns' : 'serviceDiscovery.awsCloudMap', ref(context, object));
      node.spec.listeners?.forEach((listener, i) => {
        carry(context, 'virtual-node', context.cluster.name, node, `listeners[${i}]`, ref(context, object, ['spec', 'ports', Math.max(portIndexFor(graph, service, listener.portMapping.port), 0), 'appProtocol']));
      });
    }
  }
}

interface Destination {
  host: string;
  subset?: string;
  port: number;
  weight: number;
  node: VirtualNode;
  graph: MeshGraph;
}

/** Subsets of one host, with their labels and per-subset policy, collected while routes are rendered. */
interface RuleEntry {
  namespace: string;
  name: string;
  subsets: Map<string, Json>;
  policy?: Json;
  sources: VirtualNode[];
}

class DestinationRules {
  private readonly byHost = new Map<string, RuleEntry>();

  add(host: string, namespace: string, name: string, subset: { name: string; labels: Record<string, string>; policy?: Json } | undefined, policy: Json | undefined, node: VirtualNode): void {
    const entry: RuleEntry = this.byHost.get(host) ?? { namespace, name, subsets: new Map(), sources: [] };
    if (subset) entry.subsets.set(subset.name, { name: subset.name, labels: subset.labels, ...(subset.policy ? { trafficPolicy: subset.policy } : {}) });
    else if (policy) entry.policy = policy;
    if (!entry.sources.includes(node)) entry.sources.push(node);
    this.byHost.set(host, entry);
  }

  subsetsOf(host: string): Json[] {
    return [...(this.byHost.get(host)?.subsets.values() ?? [])];
  }

  entries() {
    return [...this.byHost.entries()].sort(([a], [b]) => a.localeCompare(b));
  }
}

function outlierPolicy(node: VirtualNode): Json | undefined {
  const o = node.spec.listeners?.find((l) => l.outlierDetection)?.outlierDetection;
  if (!o) return undefined;
  const d = (x: { unit: 's' | 'ms'; value: number }) => (x.unit === 's' ? `${x.value}s` : `${x.value}ms`);
  return { outlierDetection: { consecutive5xxErrors: o.maxServerErrors, interval: d(o.interval), baseEjectionTime: d(o.baseEjectionDuration), maxEjectionPercent: o.maxEjectionPercent } };
}

/** Whether a node can be a subset of a Service: the Service selects all its pods, and its podSelector is plain labels. */
function isSubsetOf(graph: MeshGraph, service: Service, node: VirtualNode): boolean {
  return graph.serviceSelectingAll(service, graph.workloadsOf(node)) && !!node.spec.podSelector?.matchLabels && !node.spec.podSelector.matchExpressions;
}

/** A node as a DestinationRule subset: its pods' labels, and its outlier detection. */
function subsetOf(node: VirtualNode): { name: string; labels: Record<string, string>; policy?: Json } {
  const policy = outlierPolicy(node);
  return { name: node.metadata.name, labels: { ...node.spec.podSelector!.matchLabels! }, ...(policy ? { policy } : {}) };
}

/**
 * Where a router's targets go: subsets of the virtual service's own Service when it selects every
 * target's pods (Istio's usual shape, one host with a subset per version), else each node's own Service.
 */
function destinationsFor(context: Context, rules: DestinationRules, vsService: Service | undefined, routerGraph: MeshGraph, router: VirtualRouter, route: Route): Destination[] {
  const targets = routerGraph.targets(router, route);
  const subsetsMode = !!vsService && targets.every((t) => isSubsetOf(t.graph, vsService, t.node));
  const listenerPort = router.spec.listeners[0]!.portMapping.port;
  return targets.map((t) => {
    if (subsetsMode) {
      const host = fqdn(vsService!.metadata.name, vsService!.metadata.namespace!);
      rules.add(host, vsService!.metadata.namespace!, vsService!.metadata.name, subsetOf(t.node), undefined, t.node);
      return { host, subset: t.node.metadata.name, port: servicePortFor(t.graph, vsService!, listenerPort), weight: t.weight, node: t.node, graph: t.graph };
    }
    const own = nodeService(t.graph, t.node);
    if (!own) throw new Error(`${context.walkthrough.name}: node ${t.node.metadata.name} has no Service Istio could route to`);
    const host = fqdn(own.metadata.name, own.metadata.namespace!);
    const policy = outlierPolicy(t.node);
    if (policy) rules.add(host, own.metadata.namespace!, own.metadata.name, undefined, policy, t.node);
    const port = t.node.spec.listeners?.[0]?.portMapping.port ?? listenerPort;
    return { host, port: servicePortFor(t.graph, own, port), weight: t.weight, node: t.node, graph: t.graph };
  });
}

function routeDestinations(destinations: readonly Destination[]): Json[] {
  const single = destinations.length === 1;
  return destinations.map((d) => ({
    destination: { host: d.host, ...(d.subset ? { subset: d.subset } : {}), port: { number: d.port } },
    ...(single ? {} : { weight: d.weight }),
  }));
}

/** One Istio http entry for an App Mesh route (with the match already in Istio's words). */
function httpEntry(name: string, match: Json, destinations: readonly Destination[], route: Route, rewrite?: Json): Json {
  const http = (route.httpRoute ?? route.http2Route)!;
  // Istio sets no timeout unless told; App Mesh's Envoy gave every route one.
  const timeout = istioTimeout(http.timeout) ?? `${DEFAULT_ROUTE_TIMEOUT_MS / 1000}s`;
  return {
    name,
    match: [match],
    ...(rewrite ? { rewrite } : {}),
    route: routeDestinations(destinations),
    ...(http.retryPolicy ? { retries: istioRetries(http.retryPolicy) } : {}),
    timeout,
  };
}

/** Records the translation of one router route's features at an http entry of a VirtualService. */
function carryRoute(context: Context, router: VirtualRouter, routerCluster: string, route: Route, object: K8sObject, index: number, parts: MatchParts): void {
  const at = `routes[${route.name}]`;
  const path = ['spec', 'http', index];
  const here = (sub: (string | number)[]) => ref(context, object, [...path, ...sub]);
  const http = route.httpRoute ?? route.http2Route;
  carry(context, 'weighted-targets', routerCluster, router, at, here(['route']));
  if (route.priority !== undefined) carry(context, 'route-priority', routerCluster, router, `${at}.priority`, ref(context, object, path));
  if (!http) return;
  const m = http.match;
  if (m.prefix !== undefined) carry(context, 'match-prefix', routerCluster, router, `${at}.match.prefix`, here(['match', 0, 'uri']));
  if (m.path?.exact !== undefined) carry(context, 'match-path-exact', routerCluster, router, `${at}.match.path.exact`, here(['match', 0, 'uri']));
  if (m.path?.regex !== undefined) carry(context, 'match-path-regex', routerCluster, router, `${at}.match.path.regex`, here(['match', 0, 'uri']));
  if (m.method) carry(context, 'match-method', routerCluster, router, `${at}.match.method`, here(['match', 0, 'method']));
  for (const q of m.queryParameters ?? []) carry(context, 'match-query', routerCluster, router, `${at}.match.queryParameters[${q.name}]`, here(['match', 0, 'queryParams', q.name]));
  for (const h of parts.headers ?? []) {
    const own = m.headers?.find((x) => x === h);
    if (!own) continue;
    const feature = headerFeature(own);
    carry(context, feature, routerCluster, router, `${at}.match.headers[${own.name}]`, here(['match', 0, own.invert ? 'withoutHeaders' : 'headers', own.name.toLowerCase()]));
  }
  if (http.retryPolicy) carry(context, 'retry-policy', routerCluster, router, `${at}.retryPolicy`, here(['retries']));
  if (http.timeout?.perRequest) carry(context, 'route-timeout', routerCluster, router, `${at}.timeout`, here(['timeout']));
}

/** The VirtualService (and the DestinationRule subsets it needs) for a router-provided virtual service. */
function emitRouterService(context: Context, rules: DestinationRules, vs: VirtualService, vsGraph: MeshGraph, router: VirtualRouter, service: Service): void {
  const host = fqdn(service.metadata.name, service.metadata.namespace!);
  const http: Json[] = [];
  const tcp: Json[] = [];
  const object: K8sObject = { apiVersion: NETWORKING, kind: 'VirtualService', metadata: { name: service.metadata.name, namespace: service.metadata.namespace! }, spec: {} };
  const pending: (() => void)[] = [];
  for (const route of MeshGraph.orderedRoutes(router)) {
    const destinations = destinationsFor(context, rules, service, vsGraph, router, route);
    if (route.tcpRoute) {
      const index = tcp.length;
      tcp.push({ route: routeDestinations(destinations) });
      pending.push(() => carry(context, 'weighted-targets', vsGraph.cluster, router, `routes[${route.name}]`, ref(context, object, ['spec', 'tcp', index, 'route'])));
      pending.push(() => carry(context, 'tcp-route', vsGraph.cluster, router, `routes[${route.name}].tcpRoute`, ref(context, object, ['spec', 'tcp', index])));
      continue;
    }
    const httpRoute = route.httpRoute ?? route.http2Route;
    if (!httpRoute) {
      context.log?.dropRoute(vsGraph.cluster, router, route, 'gRPC routes are not translated by this renderer', 'write the Istio http route by hand, matching on the gRPC service path');
      continue;
    }
    const parts = routeMatchParts(httpRoute);
    const match = istioMatch(parts);
    if ('unsupported' in match) {
      context.log?.dropRoute(vsGraph.cluster, router, route, `the route needs ${match.unsupported}`, 'express the condition with a regex header match, or route on another header');
      continue;
    }
    const index = http.length;
    http.push(httpEntry(route.name, match.match, destinations, route));
    pending.push(() => carryRoute(context, router, vsGraph.cluster, route, object, index, parts));
  }
  // Every node behind the Service keeps its subset while its pods run, routed to or not: a step that
  // stops routing to one must not remove the subset in the same apply (routes to it would answer 503).
  if (rules.subsetsOf(host).length) {
    for (const node of vsGraph.nodes) {
      if (isSubsetOf(vsGraph, service, node)) rules.add(host, service.metadata.namespace!, service.metadata.name, subsetOf(node), undefined, node);
    }
  }
  object.spec = { hosts: [host], ...(http.length ? { http } : {}), ...(tcp.length ? { tcp } : {}) };
  emit(
    context,
    'virtual-services.yaml',
    object,
    `Virtual service ${vs.metadata.name} and router ${router.metadata.name}: Istio takes the first http entry that matches,\nso the entries are in the order App Mesh tries the routes (priority, then the most specific match).`,
  );
  pending.forEach((f) => f());
  carry(context, 'virtual-service', vsGraph.cluster, vs, '', ref(context, object, ['spec', 'hosts', 0]));
}

function emitDestinationRules(context: Context, rules: DestinationRules): void {
  for (const [host, entry] of rules.entries()) {
    const subsets = [...entry.subsets.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));
    const object = emit(
      context,
      'destination-rules.yaml',
      {
        apiVersion: NETWORKING,
        kind: 'DestinationRule',
        metadata: { name: entry.name, namespace: entry.namespace },
        spec: { host, ...(entry.policy ? { trafficPolicy: entry.policy } : {}), ...(subsets.length ? { subsets } : {}) },
      },
      subsets.length ? 'One subset per virtual node: the pods its podSelector picks. No `tls` here: Istio’s proxies then pick mutual TLS by themselves.' : undefined,
    );
    for (const node of entry.sources) {
      node.spec.listeners?.forEach((l, i) => {
        if (!l.outlierDetection) return;
        const at = subsets.length ? ['spec', 'subsets', subsets.findIndex((s) => s.name === node.metadata.name), 'trafficPolicy', 'outlierDetection'] : ['spec', 'trafficPolicy', 'outlierDetection'];
        carry(context, 'outlier-detection', context.graph.cluster, node, `listeners[${i}].outlierDetection`, ref(context, object, at));
      });
    }
  }
}

/** The Kubernetes Service clients reach a virtual service by, in the graph it is called from. */
function serviceOfVirtualService(context: Context, vs: VirtualService, from: MeshGraph): Service | undefined {
  return from.serviceAt(MeshGraph.callName(vs), vs.metadata.namespace) ?? from.services.find((s) => s.metadata.name === MeshGraph.callName(vs).split('.')[0] && s.metadata.namespace === vs.metadata.namespace);
}

/** `local`: this cluster with the Services Istio addresses nodes by (Cloud Map stand-ins included). */
function emitVirtualServices(context: Context, rules: DestinationRules, local: MeshGraph): void {
  const { graph } = context;
  const done = new Set<string>();
  const render = (vs: VirtualService, vsGraph: MeshGraph, calledFrom: MeshGraph) => {
    const key = `${vsGraph.cluster}/${vs.metadata.namespace}/${vs.metadata.name}`;
    if (done.has(key)) return;
    done.add(key);
    const provider = vsGraph.provider(vs);
    const service = serviceOfVirtualService(context, vs, calledFrom);
    if ('router' in provider) {
      if (!service) throw new Error(`${context.walkthrough.name}/${context.cluster.name}: no Service answers ${MeshGraph.callName(vs)}, so Istio could not route it`);
      emitRouterService(context, rules, vs, vsGraph, provider.router, service);
      return;
    }
    const own = nodeService(vsGraph, provider.node);
    if (!service || !own || service.metadata.name !== own.metadata.name || service.metadata.namespace !== own.metadata.namespace) {
      throw new Error(`${context.walkthrough.name}/${context.cluster.name}: virtual service ${vs.metadata.name} names node ${provider.node.metadata.name}, whose Service is not the one its name reaches; the Istio renderer does not translate that`);
    }
    carry(context, 'virtual-service', vsGraph.cluster, vs, '', { cluster: context.cluster.name, kind: 'Service', name: own.metadata.name, namespace: own.metadata.namespace! });
  };
  for (const vs of graph.virtualServices) render(vs, graph, local);
  for (const node of graph.nodes) {
    for (const backend of graph.backendsOf(node)) if (backend.byArn) render(backend.vs, backend.graph, local);
  }
}

/**
 * A Deployment Istio's injector turns into a standalone Envoy: the `gateway` injection template
 * replaces image `auto` with Istio's proxy image and configures it from the Gateway that selects it.
 */
function injectedGateway(spec: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  replicas: number;
  ports: { name: string; port: number }[];
  env?: { name: string; value: string }[];
}): K8sObject {
  const facts = COMPONENTS['envoy-gateway'];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: spec.selector },
      template: {
        metadata: { labels: { ...spec.labels, 'sidecar.istio.io/inject': 'true' }, annotations: { 'inject.istio.io/templates': 'gateway' } },
        spec: {
          serviceAccountName: spec.name,
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'istio-proxy',
              image: 'auto',
              ...(spec.env ? { env: spec.env } : {}),
              ports: spec.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
              resources: { requests: { ...facts.resources.requests }, limits: { ...facts.resources.limits } },
              securityContext: { runAsNonRoot: true, runAsUser: 1337, runAsGroup: 1337, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

function emitGateway(context: Context, rules: DestinationRules, gateway: VirtualGateway, services: readonly Service[]): void {
  const { graph } = context;
  const namespace = gateway.metadata.namespace!;
  const [workload] = graph.workloadsOf(gateway);
  if (!workload) throw new Error(`${context.walkthrough.name}: virtual gateway ${gateway.metadata.name} has no Envoy workload to become an Istio gateway`);
  const labels = { ...workload.spec.podLabels };
  const ports = gateway.spec.listeners.map((l) => l.portMapping.port);
  emit(context, 'service-accounts.yaml', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: workload.metadata.name, namespace },
    automountServiceAccountToken: false,
  });
  const deployment = emit(
    context,
    'deployments.yaml',
    injectedGateway({ name: workload.metadata.name, namespace, labels, selector: labels, replicas: workload.spec.replicas, ports: ports.map((port) => ({ name: `http-${port}`, port })) }),
    `Istio’s ingress gateway for virtual gateway ${gateway.metadata.name}: \`inject.istio.io/templates: gateway\` makes Istio’s injector\nturn this pod into a standalone Envoy (image \`auto\` is replaced by Istio’s proxy image), configured by the Gateway below.`,
  );
  const gatewayObject = emit(context, 'gateways.yaml', {
    apiVersion: NETWORKING,
    kind: 'Gateway',
    metadata: { name: gateway.metadata.name, namespace },
    spec: {
      selector: labels,
      servers: gateway.spec.listeners.map((l) => ({ port: { number: l.portMapping.port, name: `http-${l.portMapping.port}`, protocol: 'HTTP' }, hosts: ['*'] })),
    },
  });
  const lb = services.find((s) => MeshGraph.selects(s, workload));
  gateway.spec.listeners.forEach((_, i) =>
    carry(context, 'virtual-gateway', context.cluster.name, gateway, `listeners[${i}]`, ref(context, gatewayObject, ['spec', 'servers', i]), ref(context, deployment), ...(lb ? [{ cluster: context.cluster.name, kind: 'Service', name: lb.metadata.name, namespace }] : [])),
  );

  // The routes: every gateway route composed with the routes of the router behind its target.
  const http: Json[] = [];
  const object: K8sObject = { apiVersion: NETWORKING, kind: 'VirtualService', metadata: { name: gateway.metadata.name, namespace }, spec: {} };
  const pending: (() => void)[] = [];
  const hosts = new Set<string>();
  for (const gr of graph.gatewayRoutesOf(gateway)) {
    const ghttp = gr.spec.httpRoute ?? gr.spec.http2Route;
    if (!ghttp) continue;
    const target = ghttp.action.target.virtualService;
    const { vs, graph: vsGraph } = target.virtualServiceRef ? { vs: graph.virtualService(target.virtualServiceRef, gr.metadata.namespace), graph } : graph.virtualServiceByArn(target.virtualServiceARN!);
    const service = serviceOfVirtualService(context, vs, graph);
    const targetHost = service ? fqdn(service.metadata.name, service.metadata.namespace!) : MeshGraph.callName(vs);
    const provider = vsGraph.provider(vs);
    const first = http.length;
    const routes: { route: Route; router?: VirtualRouter }[] =
      'router' in provider ? MeshGraph.orderedRoutes(provider.router).map((route) => ({ route, router: provider.router })) : [{ route: { name: 'node', httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNodeRef: { name: provider.node.metadata.name }, weight: 1 }] } } } }];
    let catchAll = false;
    for (const { route, router } of routes) {
      const inner = route.httpRoute ?? route.http2Route;
      if (!inner) continue;
      const composed = composeWithGateway(ghttp, routeMatchParts(inner));
      if (composed === null) continue;
      if ('unsupported' in composed) {
        if (router) context.log?.dropRoute(vsGraph.cluster, router, route, `through gateway route ${gr.metadata.name}: ${composed.unsupported}`, 'give the gateway route a plain prefix');
        continue;
      }
      const match = istioMatch(composed);
      if ('unsupported' in match) continue;
      const destinations =
        router ? destinationsFor(context, rules, serviceOfVirtualService(context, vs, vsGraph), vsGraph, router, route) : [{ host: targetHost, port: service ? servicePortFor(vsGraph, service, provider && 'node' in provider ? provider.node.spec.listeners![0]!.portMapping.port : 80) : 80, weight: 1, node: (provider as { node: VirtualNode }).node, graph: vsGraph }];
      for (const d of destinations) hosts.add(d.host);
      const index = http.length;
      http.push(httpEntry(`${gr.metadata.name}.${route.name}`, match.match, destinations, route, gatewayRewrite(ghttp, targetHost)));
      if (!composed.headers?.length && !composed.method && !composed.queryParameters?.length && composed.prefix === (ghttp.match.prefix ?? '/')) catchAll = true;
      if (router) pending.push(() => carryRoute(context, router, vsGraph.cluster, route, object, index, composed));
    }
    if (!catchAll && http.length > first) {
      // App Mesh answers 404 when the gateway route matched but no route of its router did; later gateway routes are not tried.
      http.push({ name: `${gr.metadata.name}.no-route`, match: [{ uri: { prefix: ghttp.match.prefix ?? '/' } }], directResponse: { status: 404 } });
    }
    if (http.length > first) {
      const at = ['spec', 'http', first];
      const prefix = gatewayPrefixRewrite(ghttp);
      pending.push(() => {
        carry(context, 'gateway-route', context.cluster.name, gr, 'match', ref(context, object, [...at, 'match']));
        if (ghttp.action.rewrite?.path) carry(context, 'gateway-rewrite-prefix', context.cluster.name, gr, 'action.rewrite.path', ref(context, object, [...at, 'rewrite', 'uri']));
        else if (prefix && isIdentity(prefix)) {
          const key = keyOf('gateway-rewrite-prefix', context.cluster.name, gr, 'action.rewrite.prefix');
          context.log?.carry(key, ref(context, object, at));
          context.log?.note(key, 'The prefix is `/`: rewriting it to `/` changes no path, so the route has no uri rewrite.');
        } else if (prefix) carry(context, 'gateway-rewrite-prefix', context.cluster.name, gr, 'action.rewrite.prefix', ref(context, object, [...at, 'rewrite', 'uriRegexRewrite']));
        if (ghttp.action.rewrite?.hostname?.defaultTargetHostname !== 'DISABLED') carry(context, 'gateway-rewrite-hostname', context.cluster.name, gr, 'action.rewrite.hostname', ref(context, object, [...at, 'rewrite', 'authority']));
        if (ghttp.match.hostname) carry(context, 'gateway-match-hostname', context.cluster.name, gr, 'match.hostname', ref(context, object, [...at, 'match', 0, 'authority']));
        for (const h of ghttp.match.headers ?? []) carry(context, 'gateway-match-header', context.cluster.name, gr, `match.headers[${h.name}]`, ref(context, object, [...at, 'match', 0, h.invert ? 'withoutHeaders' : 'headers', h.name.toLowerCase()]));
      });
    }
  }
  object.spec = { hosts: ['*'], gateways: [gateway.metadata.name], http };
  emit(
    context,
    'virtual-services.yaml',
    object,
    `The routes of virtual gateway ${gateway.metadata.name}. An Istio gateway applies only VirtualServices bound to it, never the\nmesh VirtualService of the host it sends to: so each gateway route is folded into the routes of its target’s router\n(the gateway’s path condition joined to each route’s), in App Mesh’s order, with the gateway route’s rewrite.`,
  );
  pending.forEach((f) => f());

  // A connection pool on the gateway's listener limits what the gateway opens to each upstream.
  const pool = gateway.spec.listeners.find((l) => l.connectionPool)?.connectionPool;
  if (pool) {
    const index = gateway.spec.listeners.findIndex((l) => l.connectionPool);
    for (const host of [...hosts].sort()) {
      const name = `${host.split('.')[0]}-from-${gateway.metadata.name}`;
      const subsets = rules.subsetsOf(host);
      const tcpPool = pool.http ? { maxConnections: pool.http.maxConnections } : undefined;
      const httpPool = { ...(pool.http?.maxPendingRequests !== undefined ? { http1MaxPendingRequests: pool.http.maxPendingRequests } : {}), ...(pool.http2 ? { http2MaxRequests: pool.http2.maxRequests } : {}), ...(pool.grpc ? { http2MaxRequests: pool.grpc.maxRequests } : {}) };
      const dr = emit(
        context,
        'destination-rules.yaml',
        {
          apiVersion: NETWORKING,
          kind: 'DestinationRule',
          metadata: { name, namespace },
          spec: {
            host,
            workloadSelector: { matchLabels: labels },
            trafficPolicy: { connectionPool: { ...(tcpPool ? { tcp: tcpPool } : {}), ...(Object.keys(httpPool).length ? { http: httpPool } : {}) } },
            ...(subsets.length ? { subsets } : {}),
          },
        },
        `Only for the gateway’s pods (workloadSelector): its connection pool to ${host}. A workload takes this rule instead of the\none without a selector, so it repeats that rule’s subsets.`,
      );
      carry(context, 'connection-pool', context.cluster.name, gateway, `listeners[${index}].connectionPool`, ref(context, dr, ['spec', 'trafficPolicy', 'connectionPool']));
    }
  }
}

/** REGISTRY_ONLY for a DROP_ALL mesh: each meshed workload may reach its declared backends (and istio-system). */
function emitSidecars(context: Context, local: MeshGraph, tracing: Set<Workload>): void {
  const { graph } = context;
  const mesh = graph.mesh;
  if (!mesh || (mesh.spec.egressFilter?.type ?? 'DROP_ALL') !== 'DROP_ALL') {
    for (const node of graph.nodes) {
      for (const use of resourceUses(context.cluster.name, node).filter((u) => u.feature === 'backend' || u.feature === 'backend-arn')) {
        context.log?.notNeeded(keyOf(use.feature, use.cluster, node, use.field), 'The mesh allows every call (egressFilter ALLOW_ALL), and Istio routes any caller through the VirtualService: no list of backends is needed.');
      }
    }
    return;
  }
  for (const workload of graph.workloads) {
    const node = graph.identityOf(workload);
    if (node?.kind !== 'VirtualNode') continue;
    const hosts: string[] = [];
    const backends = graph.backendsOf(node).map((b) => {
      const service = serviceOfVirtualService(context, b.vs, local);
      if (!service) throw new Error(`${context.walkthrough.name}: no Service answers backend ${b.vs.metadata.name} of ${node.metadata.name}`);
      const host = `${service.metadata.namespace}/${fqdn(service.metadata.name, service.metadata.namespace!)}`;
      hosts.push(host);
      return { b, index: hosts.length - 1 };
    });
    if (tracing.has(workload)) hosts.push(`${workload.metadata.namespace}/${fqdn(COLLECTOR, workload.metadata.namespace!)}`);
    hosts.push('istio-system/*');
    const object = emit(
      context,
      'sidecars.yaml',
      {
        apiVersion: NETWORKING,
        kind: 'Sidecar',
        metadata: { name: workload.metadata.name, namespace: workload.metadata.namespace! },
        spec: { workloadSelector: { labels: { ...workload.spec.podLabels } }, egress: [{ hosts }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
      },
      `Mesh ${mesh.metadata.name} dropped every call outside the mesh (egressFilter DROP_ALL): this proxy knows only the declared backends\nof virtual node ${node.metadata.name} (and Istio’s own services), and answers 502 to anything else.`,
    );
    carry(context, 'egress-drop-all', context.cluster.name, mesh, 'egressFilter', ref(context, object, ['spec', 'outboundTrafficPolicy', 'mode']));
    for (const { b, index } of backends) {
      carry(context, b.byArn ? 'backend-arn' : 'backend', context.cluster.name, node, b.field, ref(context, object, ['spec', 'egress', 0, 'hosts', index]));
    }
  }
}

function emitTelemetry(context: Context, tracing: Set<Workload>): void {
  const { graph } = context;
  const logging = new Map<Workload, VirtualNode | VirtualGateway>();
  for (const workload of graph.workloads) {
    const identity = graph.identityOf(workload);
    if (identity?.spec.logging?.accessLog) logging.set(workload, identity);
  }
  for (const ns of meshNamespaces(graph)) {
    const meshed = graph.workloads.filter((w) => w.metadata.namespace === ns.metadata.name && graph.identityOf(w));
    if (!meshed.length) continue;
    const allLog = meshed.every((w) => logging.has(w));
    const allTrace = meshed.every((w) => tracing.has(w));
    const spec = (log: boolean, trace: boolean): Json => ({
      ...(log ? { accessLogging: [{ providers: [{ name: 'envoy' }] }] } : {}),
      ...(trace ? { tracing: [{ providers: [{ name: TRACING_PROVIDER }], randomSamplingPercentage: 100 }] } : {}),
    });
    const emitted: { object: K8sObject; workloads: Workload[]; log: boolean; trace: boolean }[] = [];
    if (allLog || allTrace) {
      const object = emit(context, 'telemetry.yaml', { apiVersion: TELEMETRY, kind: 'Telemetry', metadata: { name: 'mesh-default', namespace: ns.metadata.name }, spec: spec(allLog, allTrace) }, 'No selector: for every workload in this namespace.');
      emitted.push({ object, workloads: meshed, log: allLog, trace: allTrace });
    }
    for (const workload of meshed) {
      const log = !allLog && logging.has(workload);
      const trace = !allTrace && tracing.has(workload);
      if (!log && !trace) continue;
      const object = emit(context, 'telemetry.yaml', {
        apiVersion: TELEMETRY,
        kind: 'Telemetry',
        metadata: { name: workload.metadata.name, namespace: ns.metadata.name },
        spec: { selector: { matchLabels: { ...workload.spec.podLabels } }, ...spec(log, trace) },
      });
      emitted.push({ object, workloads: [workload], log, trace });
    }
    for (const e of emitted) {
      for (const workload of e.workloads) {
        const identity = logging.get(workload);
        if (e.log && identity) carry(context, 'access-log', context.cluster.name, identity, 'logging.accessLog', ref(context, e.object, ['spec', 'accessLogging']));
        if (e.trace && tracing.has(workload)) carry(context, 'xray-tracing', context.cluster.name, workload, 'proxyEnv.ENABLE_ENVOY_XRAY_TRACING', ref(context, e.object, ['spec', 'tracing']));
      }
    }
  }
}

/** Istio multi-primary on two networks: each cluster's network label, its east-west gateway, and the services it exposes to the other. */
function emitMultiPrimary(context: Context): void {
  // istio-system itself is Helm's and carries the network label (see the guide): a Namespace here
  // would make `kubectl delete -k` take istiod and Helm's release records with it.
  const network = istioNetwork(context.cluster);
  const labels = { app: 'istio-eastwestgateway', istio: 'eastwestgateway', 'topology.istio.io/network': network };
  const ports = [
    { name: 'status-port', port: 15021 },
    { name: 'tls', port: 15443 },
    { name: 'tls-istiod', port: 15012 },
    { name: 'tls-webhook', port: 15017 },
  ];
  emit(context, 'multicluster.yaml', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'istio-eastwestgateway', namespace: 'istio-system' }, automountServiceAccountToken: false });
  const deployment = emit(
    context,
    'multicluster.yaml',
    injectedGateway({
      name: 'istio-eastwestgateway',
      namespace: 'istio-system',
      labels,
      selector: { app: labels.app, istio: labels.istio },
      replicas: 1,
      ports,
      env: [
        { name: 'ISTIO_META_REQUESTED_NETWORK_VIEW', value: network },
        { name: 'ISTIO_META_ROUTER_MODE', value: 'sni-dnat' },
      ],
    }),
    'The east-west gateway: the other cluster’s proxies reach this cluster’s pods through it (mutual TLS passed through by SNI).',
  );
  const service = emit(
    context,
    'multicluster.yaml',
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'istio-eastwestgateway',
        namespace: 'istio-system',
        labels,
        annotations: { [K8S.nlbAnnotation]: 'nlb', 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' },
      },
      spec: { type: 'LoadBalancer', selector: { app: labels.app, istio: labels.istio }, ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })) },
    },
    'An internal Network Load Balancer: the clusters’ VPCs are peered, so the other cluster reaches it by its private address.',
  );
  const gateway = emit(
    context,
    'multicluster.yaml',
    {
      apiVersion: NETWORKING,
      kind: 'Gateway',
      metadata: { name: 'cross-network-gateway', namespace: 'istio-system' },
      spec: { selector: { istio: labels.istio }, servers: [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'AUTO_PASSTHROUGH' }, hosts: ['*.local'] }] },
    },
    'Exposes every service of this cluster to the other network; the mutual TLS of the calling proxy passes through untouched.',
  );
  const refs = [ref(context, deployment), ref(context, service), ref(context, gateway)];
  for (const r of context.graph.resources) {
    if (r.kind === 'Mesh' && r.spec.meshOwner) carry(context, 'shared-mesh', context.cluster.name, r, 'meshOwner', ...refs);
    if (r.kind === 'ResourceShare') carry(context, 'shared-mesh', context.cluster.name, r, '', ...refs);
  }
}

function emitWorkloads(context: Context, services: readonly Service[], registry: string, statsd: Set<Workload>): void {
  const { graph } = context;
  for (const workload of graph.workloads) {
    if (workload.spec.component === 'envoy-gateway') continue;
    const account = serviceAccountOf(workload);
    if (workload.spec.component !== 'kong') {
      emit(context, 'service-accounts.yaml', {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: account, namespace: workload.metadata.namespace! },
        automountServiceAccountToken: false,
      }, `Istio names this workload’s proxy by its service account: spiffe://cluster.local/ns/${workload.metadata.namespace}/sa/${account}.`);
    } else {
      emit(context, 'service-accounts.yaml', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace: workload.metadata.namespace! } }, 'Kong’s ingress controller reads Ingresses and Services from the Kubernetes API with this account.');
    }
    const statsAnnotation = statsd.has(workload) ? { 'proxy.istio.io/config': JSON.stringify({ proxyStatsMatcher: { inclusionPrefixes: ['cluster.outbound'] } }) } : undefined;
    const emitted = deploymentFor(workload, services, registry, {
      mesh: graph.identityOf(workload) || workload.spec.component === 'kong' ? 'istio' : 'none',
      serviceAccountName: account,
      ...(statsAnnotation ? { podAnnotations: statsAnnotation } : {}),
    });
    if (statsAnnotation) emitted.fields = [...(emitted.fields ?? []), { path: ['spec', 'template', 'metadata', 'annotations'], text: 'Istio’s proxy keeps only a few of Envoy’s stats by default: this keeps the per-upstream request counts too.' }];
    context.objects.push(emitted);
    if (workload.spec.component === 'kong') {
      context.objects.push(...kongClusterObjects(workload));
      if (workload.spec.kongIngressControllerUid === 1337) {
        const index = (emitted.object.spec as { template: { spec: { containers: { name: string }[] } } }).template.spec.containers.findIndex((c) => c.name === 'ingress-controller');
        carry(context, 'egress-bypass-uid', context.cluster.name, workload, 'kongIngressControllerUid', ref(context, emitted.object, ['spec', 'template', 'spec', 'containers', index, 'securityContext', 'runAsUser']));
      }
    }
    const node = graph.identityOf(workload);
    if (node?.kind === 'VirtualNode') {
      node.spec.listeners?.forEach((l, i) => {
        if (l.healthCheck) carry(context, 'health-check', context.cluster.name, node, `listeners[${i}].healthCheck`, ref(context, emitted.object, ['spec', 'template', 'spec', 'containers', 0, 'readinessProbe']));
      });
    }
    if (statsd.has(workload)) carry(context, 'statsd-metrics', context.cluster.name, workload, 'proxyEnv.ENABLE_ENVOY_DOG_STATSD', ref(context, emitted.object, ['spec', 'template', 'metadata', 'annotations', 'proxy.istio.io/config']));
  }
}

export interface IstioOutput extends ClusterOutput {
  /** The Helm values for istiod this cluster is installed with. */
  values: Json;
}

export function emitIstio(walkthrough: Walkthrough, cluster: Cluster, step: string, log?: TranslationLog): IstioOutput {
  const graph = MeshGraph.at(walkthrough, step, cluster.name);
  const context: Context = { walkthrough, cluster, graph, objects: [], ...(log ? { log } : {}) };
  const registry = exampleRegistry(walkthrough, cluster);
  const services = meshServices(graph);
  const tracing = new Set(graph.workloads.filter((w) => w.spec.proxyEnv?.ENABLE_ENVOY_XRAY_TRACING === '1'));
  const statsd = new Set(graph.workloads.filter((w) => w.spec.proxyEnv?.ENABLE_ENVOY_DOG_STATSD === '1'));

  emitNamespaces(context);
  emitWorkloads(context, services, registry, statsd);
  emitServices(context, services);
  for (const node of graph.nodes) emitListenerTls(context, node);
  const rules = new DestinationRules();
  const local = new MeshGraph(walkthrough, graph.cluster, [...graph.resources.filter((r) => r.kind !== 'Service'), ...services], []);
  emitVirtualServices(context, rules, local);
  for (const gateway of graph.gateways) emitGateway(context, rules, gateway, services);
  emitDestinationRules(context, rules);
  emitSidecars(context, local, tracing);
  emitTelemetry(context, tracing);
  emitKongObjects(context);
  const observed = [...new Set([...tracing, ...statsd])];
  if (observed.length) {
    const collector = adotCollector(walkthrough, cluster, observed[0]!.metadata.namespace!, statsd.size > 0);
    context.objects.push(...collector);
    const configMap = collector.find((o) => o.object.kind === 'ConfigMap')!.object;
    for (const w of statsd) carry(context, 'statsd-metrics', cluster.name, w, 'proxyEnv.ENABLE_ENVOY_DOG_STATSD', ref(context, configMap, ['data', 'config.yaml']));
    for (const w of tracing) carry(context, 'xray-tracing', cluster.name, w, 'proxyEnv.ENABLE_ENVOY_XRAY_TRACING', ref(context, configMap, ['data', 'config.yaml']));
  }
  const templates = [];
  if (walkthrough.clusters.length > 1) {
    emitMultiPrimary(context);
    for (const peering of ofKind(graph.resources, 'VpcPeering')) {
      const files = peeringTemplates(walkthrough, peering);
      templates.push(...files);
      for (const file of files.filter((f) => f.cluster === cluster.name)) {
        carry(context, 'vpc-peering', cluster.name, peering, '', { cluster: file.cluster, kind: 'AWS::CloudFormation::Stack', name: file.stackName, file: file.file });
      }
    }
  }
  return {
    objects: context.objects,
    templates,
    values: istiodValues(walkthrough, cluster, observed.length ? observed[0]!.metadata.namespace! : undefined),
  };
}

export const ISTIO_TARGET: KubernetesTarget = {
  target: 'istio',
  emit: (walkthrough, cluster, step, log) => emitIstio(walkthrough, cluster, step, log),
  settings: (walkthrough, cluster) => baseSettings(walkthrough, cluster),
  replacements(objects, registry) {
    const set = new ReplacementSet();
    for (const object of objects) {
      set.addImages(object, registry);
      set.addIrsaAccount(object);
      if (object.kind === 'Deployment' && object.metadata.name === COLLECTOR) {
        set.add('AWS_REGION', { select: select(object), fieldPaths: [`spec.template.spec.containers.[name=collector].env.[name=AWS_REGION].value`] });
      }
    }
    return set.list();
  },
};

/** Every file of `k8s/<walkthrough>/istio/`: the kustomize folders, and each cluster's istiod values. */
export function renderIstio(walkthrough: Walkthrough): RenderedFile[] {
  if (walkthrough.platform !== 'eks') return [];
  const files = renderKubernetesTarget(walkthrough, ISTIO_TARGET, `Istio ${ISTIO_VERSION} (sidecar mode)`);
  for (const cluster of walkthrough.clusters) {
    const values = emitIstio(walkthrough, cluster, walkthrough.steps.at(-1)!.name).values;
    files.push({
      path: `${targetFolder(walkthrough, 'istio', cluster)}/istiod-values.yaml`,
      content: yamlFile(
        [
          `Generated by @amw/mesh-manifests from packages/mesh-manifests/src/walkthroughs/${walkthrough.name}.ts.`,
          'Do not edit by hand: change the definition and run `pnpm mesh render`.',
          '',
          `Helm values for Istio’s control plane (chart istio/istiod ${ISTIO_VERSION}); not a Kubernetes object, and not in the kustomization.`,
          `  helm install istiod istio/istiod -n istio-system --version ${ISTIO_VERSION} -f ${targetFolder(walkthrough, 'istio', cluster)}/istiod-values.yaml --wait`,
        ],
        [{ object: values }],
      ),
    });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

export { ADOT_SERVICE_ACCOUNT };
