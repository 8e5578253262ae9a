/**
 * The Kubernetes Gateway API on Amazon VPC Lattice (AWS Gateway API Controller v2.1): every EKS
 * walkthrough rendered from its App Mesh definition. The mesh becomes a Lattice service network
 * (a `ServiceNetwork` and a Gateway of class `amazon-vpc-lattice` named after it, with the cluster's
 * VPC associated); each virtual service called over HTTP becomes an HTTPRoute — a Lattice service
 * with a name of its own in a private DNS zone — whose rules are the router's routes, in App
 * Mesh's order (Lattice tries rules in order), with weighted backends; health checks become
 * TargetGroupPolicies, the mesh boundary an IAMAuthPolicy, access logs an AccessLogPolicy.
 *
 * There are no proxies in the pods, so apps call the Lattice names: the renderer points their
 * environment at them. What the controller rejects or ignores (regex, prefix, present and absent
 * header matches, several matches in one rule, rewrites, retries, timeouts) is not rendered — a
 * route that needs it is left out whole — and the migration report says what and why.
 */
import type { Route, VirtualNode, VirtualService } from '../../model/appmesh.js';
import { headerFeature, resourceUses } from '../../migrate/features.js';
import { keyOf, type TargetRef, type TranslationLog } from '../../migrate/translation.js';
import { K8S, type Service } from '../../model/kubernetes.js';
import { ofKind } from '../../model/state.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import type { Workload } from '../../model/workload.js';
import type { TemplateFile } from '../eks/cloudformation.js';
import { deploymentFor } from '../eks/deployment.js';
import { kongClusterObjects } from '../eks/kong.js';
import { accountId, baseSettings, exampleRegistry, ReplacementSet, select, type Setting } from '../eks/kustomize.js';
import type { K8sObject } from '../eks/output.js';
import type { RenderedFile } from '../files.js';
import { meshServices, nodesAddressedBy, nodeService, serviceAccountOf, servicePortFor } from '../kubernetes/mesh-services.js';
import { carry, emit, emitKongObjects, ref, type TargetContext } from '../kubernetes/target-context.js';
import { renderKubernetesTarget, type ClusterOutput, type KubernetesTarget } from '../kubernetes/target-tree.js';
import { MeshGraph } from '../mesh-graph.js';
import { derivedServiceName, SERVICE_NAME_OVERRIDE, serviceNameOverride } from './names.js';

export const LATTICE_CONTROLLER_VERSION = 'v2.1.3';
export const GATEWAY_API_VERSION = 'v1.6.1';
export const GATEWAY_API = 'gateway.networking.k8s.io/v1';
export const LATTICE_API = 'application-networking.k8s.aws/v1alpha1';
export const GATEWAY_CLASS = 'amazon-vpc-lattice';
/** Lattice's default quota of rules per listener (adjustable in Service Quotas). */
export const LATTICE_RULES_PER_LISTENER = 5;
/** The controller accepts at most this many (exact) header matches in a rule. */
export const LATTICE_MAX_HEADER_MATCHES = 5;

/** The private DNS zone a walkthrough's Lattice services are named in. */
export function latticeDomain(walkthrough: Walkthrough): string {
  return `${walkthrough.name}.internal`;
}

/** The custom domain name of a virtual service's Lattice service. */
export function latticeHost(walkthrough: Walkthrough, vs: VirtualService): string {
  return `${vs.metadata.name}.${vs.metadata.namespace}.${latticeDomain(walkthrough)}`;
}

export function accessLogGroup(walkthrough: Walkthrough): string {
  return `/amw/${walkthrough.name}/lattice`;
}

interface Context extends TargetContext {
  templates: TemplateFile[];
  /** The nodes (namespace/name) this cluster's HTTPRoutes send to at any step: the targets of Lattice target groups. */
  targets: Set<string>;
  /** The nodes (namespace/name) that call a Lattice service at any step. */
  callers: Set<string>;
}

/** A virtual service reached through Lattice: the HTTPRoute that makes it a Lattice service. */
interface LatticeService {
  vs: VirtualService;
  graph: MeshGraph;
  host: string;
  port: number;
}

/** Every virtual service some node calls over HTTP, with the cluster whose route serves it. */
function calledServices(walkthrough: Walkthrough, graphs: readonly MeshGraph[]): LatticeService[] {
  const found: LatticeService[] = [];
  for (const graph of graphs) {
    for (const node of graph.nodes) {
      for (const backend of graph.backendsOf(node)) {
        if (found.some((f) => f.vs === backend.vs)) continue;
        const provider = backend.graph.provider(backend.vs);
        const listener = 'router' in provider ? provider.router.spec.listeners[0]!.portMapping : provider.node.spec.listeners?.[0]?.portMapping;
        if (!listener || listener.protocol === 'tcp') continue;
        found.push({ vs: backend.vs, graph: backend.graph, host: latticeHost(walkthrough, backend.vs), port: listener.port });
      }
    }
    // A router-provided virtual service is a Lattice service even when only a gateway called it.
    for (const vs of graph.virtualServices) {
      const provider = graph.provider(vs);
      if (!('router' in provider) || found.some((f) => f.vs === vs)) continue;
      const listener = provider.router.spec.listeners[0]!.portMapping;
      if (listener.protocol !== 'tcp') found.push({ vs, graph, host: latticeHost(walkthrough, vs), port: listener.port });
    }
  }
  return found;
}

function callsLattice(graph: MeshGraph, node: VirtualNode, called: readonly LatticeService[]): boolean {
  return graph.backendsOf(node).some((b) => called.some((c) => c.vs === b.vs));
}

function nodeKey(node: VirtualNode): string {
  return `${node.metadata.namespace}/${node.metadata.name}`;
}

/**
 * Which of a cluster's nodes Lattice sees, over the whole walkthrough: the targets of its HTTPRoutes'
 * rules (those the controller accepts) and the callers of its services. A node a later step stops
 * routing to was still a Lattice target, with its health check and its access log, before it.
 */
function latticeReach(walkthrough: Walkthrough, cluster: Cluster): { targets: Set<string>; callers: Set<string> } {
  // Every step of every cluster asks for it: walk the steps once per walkthrough and cluster.
  const cached = REACH.get(walkthrough)?.get(cluster.name);
  if (cached) return cached;
  const targets = new Set<string>();
  const callers = new Set<string>();
  for (const step of walkthrough.steps) {
    const graphs = graphsAt(walkthrough, step.name);
    const called = calledServices(walkthrough, graphs);
    const graph = graphs.find((g) => g.cluster === cluster.name)!;
    for (const node of graph.nodes) if (callsLattice(graph, node, called)) callers.add(nodeKey(node));
    for (const service of called.filter((c) => c.graph.cluster === cluster.name)) {
      const provider = graph.provider(service.vs);
      if (!('router' in provider)) {
        targets.add(nodeKey(provider.node));
        continue;
      }
      for (const route of MeshGraph.orderedRoutes(provider.router).filter((r) => !('failure' in latticeMatch(r)))) {
        for (const target of graph.targets(provider.router, route)) targets.add(nodeKey(target.node));
      }
    }
  }
  const reach = { targets, callers };
  REACH.set(walkthrough, (REACH.get(walkthrough) ?? new Map()).set(cluster.name, reach));
  return reach;
}

const REACH = new WeakMap<Walkthrough, Map<string, { targets: Set<string>; callers: Set<string> }>>();

/** The URL in an env value with its host (and port) swapped for a Lattice service's, when it calls one. */
function latticeUrl(value: string, services: readonly LatticeService[], namespace: string | undefined): string | undefined {
  if (!/^https?:\/\//i.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  const target = services.find((s) => {
    const name = MeshGraph.callName(s.vs).toLowerCase();
    const service = s.graph.serviceAt(name, s.vs.metadata.namespace);
    const candidates = new Set([name, `${s.vs.metadata.name}.${s.vs.metadata.namespace}`, `${s.vs.metadata.name}.${s.vs.metadata.namespace}.svc.cluster.local`]);
    if (service && service.metadata.namespace === namespace) candidates.add(service.metadata.name);
    return candidates.has(host);
  });
  if (!target) return undefined;
  url.hostname = target.host;
  url.port = target.port === 80 ? '' : String(target.port);
  const text = url.toString();
  return value.endsWith('/') || url.pathname !== '/' ? text : text.replace(/\/$/, '');
}

const RULE_FAILURES = {
  regexHeader: 'the controller accepts only exact header matches (a regex is rejected with LATTICE_UNSUPPORTED_HEADER_MATCH_TYPE, and the whole route is not built)',
  prefixHeader: 'the controller accepts only exact header matches (prefix, suffix and range have no Gateway API core type; a regex form is rejected)',
  presentHeader: 'Lattice cannot match a header’s mere presence (the Gateway API has no such match, and a regex is rejected)',
  absentHeader: 'Lattice cannot match a missing header (the Gateway API has no negative match)',
  pathRegex: 'the controller accepts only Exact and PathPrefix paths (a regex is rejected with LATTICE_UNSUPPORTED_PATH_MATCH_TYPE)',
  query: 'the controller rejects query parameter matches (LATTICE_UNSUPPORTED_MATCH_TYPE)',
  tooManyHeaders: `the controller accepts at most ${LATTICE_MAX_HEADER_MATCHES} header matches in a rule`,
} as const;

/** An App Mesh route's match as a Gateway API match the controller accepts, or why not. */
function latticeMatch(route: Route): { match: Record<string, unknown> } | { failure: string } {
  const http = route.httpRoute ?? route.http2Route;
  if (!http) return { failure: 'Lattice routes HTTP only in an HTTPRoute (gRPC needs a GRPCRoute on an HTTPS listener)' };
  const m = http.match;
  if (m.path?.regex !== undefined) return { failure: RULE_FAILURES.pathRegex };
  if (m.queryParameters?.length) return { failure: RULE_FAILURES.query };
  const headers: { type: 'Exact'; name: string; value: string }[] = [];
  for (const h of m.headers ?? []) {
    if (h.invert) return { failure: RULE_FAILURES.absentHeader };
    if (!h.match) return { failure: RULE_FAILURES.presentHeader };
    if (h.match.regex !== undefined) return { failure: RULE_FAILURES.regexHeader };
    if (h.match.exact === undefined) return { failure: RULE_FAILURES.prefixHeader };
    headers.push({ type: 'Exact', name: h.name, value: h.match.exact });
  }
  if (headers.length > LATTICE_MAX_HEADER_MATCHES) return { failure: RULE_FAILURES.tooManyHeaders };
  const path = m.path?.exact !== undefined ? { type: 'Exact', value: m.path.exact } : { type: 'PathPrefix', value: m.prefix ?? '/' };
  return { match: { path, ...(headers.length ? { headers } : {}), ...(m.method ? { method: m.method } : {}) } };
}

/** The caller accounts of a Lattice service: the accounts of the clusters whose nodes declare it as a backend. */
function callerAccounts(walkthrough: Walkthrough, graphs: readonly MeshGraph[], target: LatticeService): string[] {
  const accounts = new Set<string>();
  for (const graph of graphs) {
    for (const node of graph.nodes) {
      if (graph.backendsOf(node).some((b) => b.vs === target.vs)) accounts.add(walkthrough.clusters.find((c) => c.name === graph.cluster)!.account);
    }
  }
  if (!accounts.size) accounts.add(walkthrough.clusters.find((c) => c.name === target.graph.cluster)!.account);
  return [...accounts].sort();
}

/** The IAM auth policy document, on one line (Lattice wants no newlines in it). */
export function authPolicy(accounts: readonly string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 'vpc-lattice-svcs:Invoke',
        Resource: '*',
        Condition: { StringEquals: { 'vpc-lattice-svcs:SourceVpcOwnerAccount': [...accounts] } },
      },
    ],
  });
}

/** The setting that holds an account's ID in a cluster's settings: its own, or the other account's. */
function accountSetting(walkthrough: Walkthrough, cluster: Cluster, account: string): 'AWS_ACCOUNT_ID' | 'FRONTEND_ACCOUNT_ID' | 'BACKEND_ACCOUNT_ID' {
  if (account === cluster.account) return 'AWS_ACCOUNT_ID';
  return account === 'frontend' ? 'FRONTEND_ACCOUNT_ID' : 'BACKEND_ACCOUNT_ID';
}

function emitRoute(context: Context, target: LatticeService, gateway: { name: string; namespace: string }, graphs: readonly MeshGraph[]): void {
  const { walkthrough, graph } = context;
  const { vs } = target;
  const provider = graph.provider(vs);
  const namespace = vs.metadata.namespace!;
  const rules: Record<string, unknown>[] = [];
  const override = serviceNameOverride(vs.metadata.name, namespace);
  const object: K8sObject = {
    apiVersion: GATEWAY_API,
    kind: 'HTTPRoute',
    metadata: { name: vs.metadata.name, namespace, ...(override ? { annotations: { [SERVICE_NAME_OVERRIDE]: override } } : {}) },
    spec: {},
  };
  const pending: (() => void)[] = [];
  const backendRef = (node: VirtualNode, weight: number | undefined) => {
    const service = nodeService(graph, node);
    if (!service) throw new Error(`${walkthrough.name}: node ${node.metadata.name} has no Service Lattice could register as targets`);
    return { name: service.metadata.name, ...(service.metadata.namespace !== namespace ? { namespace: service.metadata.namespace } : {}), kind: 'Service', port: servicePortFor(graph, service, node.spec.listeners?.[0]?.portMapping.port ?? service.spec.ports[0]!.port), ...(weight === undefined ? {} : { weight }) };
  };
  if ('router' in provider) {
    const router = provider.router;
    for (const route of MeshGraph.orderedRoutes(router)) {
      const result = latticeMatch(route);
      if ('failure' in result) {
        context.log?.dropRoute(graph.cluster, router, route, `${result.failure}; so route ${route.name} (and what it sends where) is not rendered: its requests fall through to the next rule`, 'match on an exact header value (Lattice takes up to 5 per rule), or put a proxy that can match it in front of the service');
        continue;
      }
      const targets = graph.targets(router, route);
      const index = rules.length;
      rules.push({ matches: [result.match], backendRefs: targets.map((t) => backendRef(t.node, targets.length > 1 ? t.weight : undefined)) });
      pending.push(() => {
        const at = `routes[${route.name}]`;
        const here = (sub: (string | number)[]) => ref(context, object, ['spec', 'rules', index, ...sub]);
        carry(context, 'weighted-targets', graph.cluster, router, at, here(['backendRefs']));
        if (route.priority !== undefined) carry(context, 'route-priority', graph.cluster, router, `${at}.priority`, here([]));
        const http = (route.httpRoute ?? route.http2Route)!;
        if (http.match.prefix !== undefined) carry(context, 'match-prefix', graph.cluster, router, `${at}.match.prefix`, here(['matches', 0, 'path']));
        if (http.match.path?.exact !== undefined) carry(context, 'match-path-exact', graph.cluster, router, `${at}.match.path.exact`, here(['matches', 0, 'path']));
        if (http.match.method) carry(context, 'match-method', graph.cluster, router, `${at}.match.method`, here(['matches', 0, 'method']));
        (http.match.headers ?? []).forEach((h, i) => carry(context, headerFeature(h), graph.cluster, router, `${at}.match.headers[${h.name}]`, here(['matches', 0, 'headers', i])));
      });
    }
  } else {
    rules.push({ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [backendRef(provider.node, undefined)] });
  }
  object.spec = {
    parentRefs: [{ name: gateway.name, ...(gateway.namespace !== namespace ? { namespace: gateway.namespace } : {}), sectionName: `http-${target.port}` }],
    hostnames: [target.host],
    rules,
  };
  emit(
    context,
    'http-routes.yaml',
    object,
    `Virtual service ${vs.metadata.name}: a Lattice service named ${target.host} (a private DNS name: see dns.yaml).\nLattice tries the rules in this order, the first that matches wins: the order App Mesh tries the routes in.${
      override ? `\nThe annotation names the Lattice service ${override}: Lattice refuses the name the controller would derive, ${derivedServiceName(vs.metadata.name, namespace)}.` : ''
    }`,
  );
  pending.forEach((f) => f());
  carry(context, 'virtual-service', graph.cluster, vs, '', ref(context, object, ['spec', 'hostnames', 0]));

  const accounts = callerAccounts(walkthrough, graphs, target);
  const auth = emit(
    context,
    'auth-policies.yaml',
    {
      apiVersion: LATTICE_API,
      kind: 'IAMAuthPolicy',
      metadata: { name: vs.metadata.name, namespace },
      spec: { targetRef: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: vs.metadata.name }, policy: authPolicy(accounts.map((a) => accountId(walkthrough, a))) },
    },
    `Lattice authorizes each request: these apps do not sign theirs (SigV4), so the policy admits unsigned callers from VPCs owned by\n${accounts.map((a) => `the ${a} account`).join(' and ')} — the mesh’s boundary. To admit only some callers, sign their requests and name their roles here.`,
  );
  for (const g of graphs) {
    for (const node of g.nodes) {
      for (const backend of g.backendsOf(node).filter((b) => b.vs === vs)) {
        context.log?.carry(keyOf(backend.byArn ? 'backend-arn' : 'backend', g.cluster, node, backend.field), ref(context, auth, ['spec', 'policy']));
      }
    }
  }
}

/** What a workload calls by a Lattice name now: its environment, with its backends' URLs rewritten. */
function latticeEnv(workload: Workload, services: readonly LatticeService[]): Record<string, string> | undefined {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(workload.spec.env ?? {})) {
    const rewritten = latticeUrl(value, services, workload.metadata.namespace);
    if (rewritten) env[name] = rewritten;
  }
  return Object.keys(env).length ? env : undefined;
}

function emitWorkloads(context: Context, services: readonly Service[], called: readonly LatticeService[], registry: string): void {
  const { graph } = context;
  for (const workload of graph.workloads) {
    if (workload.spec.component === 'envoy-gateway') continue;
    const account = serviceAccountOf(workload);
    emit(
      context,
      'service-accounts.yaml',
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace: workload.metadata.namespace! }, ...(workload.spec.component === 'kong' ? {} : { automountServiceAccountToken: false }) },
    );
    const env = latticeEnv(workload, called);
    const emitted = deploymentFor(workload, services, registry, {
      mesh: 'none',
      serviceAccountName: account,
      ...(env ? { env } : {}),
      ...(workload.spec.component === 'kong' ? { kongIngressControllerUid: 1000 } : {}),
    });
    if (env) {
      emitted.fields = [
        ...(emitted.fields ?? []),
        { path: ['spec', 'template', 'spec', 'containers', 0, 'env'], text: `${Object.keys(env).join(', ')}: the Lattice name${Object.keys(env).length > 1 ? 's' : ''} of the backend${Object.keys(env).length > 1 ? 's' : ''}, where App Mesh’s Envoy routed the mesh name.` },
      ];
    }
    context.objects.push(emitted);
    if (workload.spec.component === 'kong') context.objects.push(...kongClusterObjects(workload));
    const node = graph.identityOf(workload);
    if (node?.kind === 'VirtualNode' && env) {
      for (const use of resourceUses(context.cluster.name, node).filter((u) => u.feature === 'backend' || u.feature === 'backend-arn')) {
        context.log?.carry(keyOf(use.feature, use.cluster, node, use.field), ref(context, emitted.object, ['spec', 'template', 'spec', 'containers', 0, 'env']));
      }
    }
  }
}

/** Services as they are, but for the placeholders that only gave a virtual service's name an address. */
function emitServices(context: Context, services: readonly Service[], called: readonly LatticeService[]): void {
  const { graph } = context;
  const kongBackends = new Set(ofKind(graph.resources, 'Ingress').flatMap((i) => i.spec.rules.flatMap((r) => r.http.paths.map((p) => `${i.metadata.namespace}/${p.backend.service.name}`))));
  for (const service of services) {
    if (!service.spec.selector) {
      const key = `${service.metadata.namespace}/${service.metadata.name}`;
      const target = called.find((c) => c.vs.metadata.namespace === service.metadata.namespace && graph.serviceAt(MeshGraph.callName(c.vs), c.vs.metadata.namespace) === service);
      if (!kongBackends.has(key) || !target) continue;
      const annotations: Record<string, string> = { ...(service.metadata.annotations ?? {}), [K8S.kongHostHeader]: target.host };
      delete annotations[K8S.kongServiceUpstream];
      emit(
        context,
        'services.yaml',
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: service.metadata.name, namespace: service.metadata.namespace!, annotations },
          spec: { type: 'ExternalName', externalName: target.host, ports: service.spec.ports.map((p) => ({ name: p.name, port: target.port, targetPort: target.port })) },
        },
        `Kong routes here: an alias of the Lattice service ${target.host}, which Kong calls with that name as Host (Lattice picks the service by it).`,
      );
      continue;
    }
    const selected = graph.workloadsSelectedBy(service);
    // A gateway Envoy's load balancer would have no pods behind it (and still be billed): Lattice has no gateway.
    if (selected.length && selected.every((w) => w.spec.component === 'envoy-gateway')) continue;
    const object = emit(context, 'services.yaml', { apiVersion: 'v1', kind: 'Service', metadata: structuredClone(service.metadata) as K8sObject['metadata'], spec: structuredClone(service.spec) as Record<string, unknown> });
    for (const { node, by } of nodesAddressedBy(graph, service)) {
      node.spec.listeners?.forEach((_, i) => carry(context, 'virtual-node', context.cluster.name, node, `listeners[${i}]`, ref(context, object, ['spec', 'ports'])));
      carry(context, by === 'dns' ? 'dns-discovery' : 'cloud-map-discovery', context.cluster.name, node, by === 'dns' ? 'serviceDiscovery.dns' : 'serviceDiscovery.awsCloudMap', ref(context, object));
    }
  }
}

/** The Services of the nodes that listen for HTTP, with the nodes behind each. */
function httpNodeServices(graph: MeshGraph): Map<string, { service: Service; nodes: VirtualNode[] }> {
  const found = new Map<string, { service: Service; nodes: VirtualNode[] }>();
  for (const node of graph.nodes) {
    const service = nodeService(graph, node);
    if (!service || !node.spec.listeners?.some((l) => l.portMapping.protocol !== 'tcp')) continue;
    const key = `${service.metadata.namespace}/${service.metadata.name}`;
    found.set(key, { service: found.get(key)?.service ?? service, nodes: [...(found.get(key)?.nodes ?? []), node] });
  }
  return found;
}

/**
 * A TargetGroupPolicy for the Service of every node a route sends to at any step (a later step may
 * not remove what an earlier one applied): the node's own health check where App Mesh had one, else
 * none — Lattice's default (GET / expecting 200) would take targets whose app answers / otherwise
 * out of service, where App Mesh checked nothing.
 */
function emitHealthChecks(context: Context): void {
  const { graph, cluster } = context;
  const targeted = context.targets;
  for (const { service, nodes } of httpNodeServices(graph).values()) {
    if (!nodes.some((n) => targeted.has(nodeKey(n)))) continue;
    const checked = nodes.flatMap((node) => (node.spec.listeners ?? []).flatMap((listener, i) => (listener.healthCheck ? [{ node, i, check: listener.healthCheck }] : [])));
    const h = checked[0]?.check;
    const object = emit(
      context,
      'target-group-policies.yaml',
      {
        apiVersion: LATTICE_API,
        kind: 'TargetGroupPolicy',
        metadata: { name: service.metadata.name, namespace: service.metadata.namespace! },
        spec: {
          targetRef: { group: '', kind: 'Service', name: service.metadata.name },
          protocol: 'HTTP',
          protocolVersion: 'HTTP1',
          healthCheck: h
            ? {
                enabled: true,
                protocol: 'HTTP',
                protocolVersion: 'HTTP1',
                path: h.path ?? '/',
                ...(h.port ? { port: h.port } : {}),
                intervalSeconds: Math.max(5, Math.round(h.intervalMillis / 1000)),
                timeoutSeconds: Math.max(1, Math.round(h.timeoutMillis / 1000)),
                healthyThresholdCount: h.healthyThreshold,
                unhealthyThresholdCount: h.unhealthyThreshold,
                statusMatch: '200',
              }
            : { enabled: false },
        },
      },
      h
        ? `Virtual node ${checked[0]!.node.metadata.name}’s health check, made by Lattice on each target.`
        : `No health check, as under App Mesh: Lattice’s default (GET / expecting 200) would take ${nodes.map((n) => n.metadata.name).join(', ')} out of service if / answers anything else.`,
    );
    for (const { node, i } of checked) {
      if (targeted.has(nodeKey(node))) carry(context, 'health-check', cluster.name, node, `listeners[${i}].healthCheck`, ref(context, object, ['spec', 'healthCheck']));
    }
  }
  for (const node of graph.nodes.filter((n) => !targeted.has(nodeKey(n)))) {
    node.spec.listeners?.forEach((listener, i) => {
      if (!listener.healthCheck) return;
      const key = keyOf('health-check', cluster.name, node, `listeners[${i}].healthCheck`);
      if (listener.portMapping.protocol === 'tcp') {
        context.log?.drop(key, 'Lattice checks only the targets of its services, and this TCP listener is none', 'a readiness probe on the pod, so its Service stops sending to it');
      } else {
        context.log?.notNeeded(key, `No Lattice service routes to ${node.metadata.name}, so no target group’s health depends on it.`);
      }
    });
  }
}

/** The ports the walkthrough's Lattice services listen on: one Gateway listener each, in every cluster's Gateway. */
function listenerPorts(called: readonly LatticeService[]): number[] {
  return [...new Set(called.map((c) => c.port))].sort((a, b) => a - b);
}

function graphsAt(walkthrough: Walkthrough, step: string): MeshGraph[] {
  return walkthrough.clusters.map((c) => MeshGraph.at(walkthrough, step, c.name));
}

/** A walkthrough across accounts: the service network is created (and shared) by the account that owns the mesh. */
function networkOwner(walkthrough: Walkthrough, graphs: readonly MeshGraph[]): string | undefined {
  if (walkthrough.clusters.length < 2) return undefined;
  return graphs.find((g) => ofKind(g.resources, 'ResourceShare').length)?.cluster;
}

/** `owner`: the cluster that shares the network, across accounts; `associate`: whether this cluster's VPC joins it. */
function emitNetwork(context: Context, called: readonly LatticeService[], owner: string | undefined, associate: boolean): { name: string; namespace: string } {
  const { cluster, graph } = context;
  const mesh = graph.mesh!;
  const network = mesh.metadata.name;
  const routesHere = called.filter((c) => c.graph.cluster === cluster.name);
  const namespace = routesHere[0]?.vs.metadata.namespace ?? graph.workloads[0]?.metadata.namespace ?? 'default';
  const objects: TargetRef[] = [];
  if (!owner) {
    const sn = emit(context, 'service-network.yaml', { apiVersion: LATTICE_API, kind: 'ServiceNetwork', metadata: { name: network } }, `The Lattice service network, named after mesh ${network}: the controller creates it.`);
    objects.push(ref(context, sn));
  }
  const crossNamespace = routesHere.some((r) => r.vs.metadata.namespace !== namespace);
  const gateway = emit(
    context,
    'service-network.yaml',
    {
      apiVersion: GATEWAY_API,
      kind: 'Gateway',
      metadata: { name: network, namespace },
      spec: {
        gatewayClassName: GATEWAY_CLASS,
        listeners: listenerPorts(called).map((port) => ({
          name: `http-${port}`,
          protocol: 'HTTP',
          port,
          ...(crossNamespace ? { allowedRoutes: { namespaces: { from: 'All' } } } : {}),
        })),
      },
    },
    `A Gateway of class ${GATEWAY_CLASS} is the service network with its name${owner && owner !== cluster.name ? ` (here: the one the ${owner} account shares with this one through AWS RAM)` : ''};\neach listener is a port the Lattice services of its HTTPRoutes listen on.`,
  );
  objects.push(ref(context, gateway));
  if (associate) {
    const association = emit(
      context,
      'service-network.yaml',
      {
        apiVersion: LATTICE_API,
        kind: 'VpcAssociationPolicy',
        metadata: { name: `${network}-vpc`, namespace },
        spec: { targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: network }, associateWithVpc: true },
      },
      'Associates this cluster’s VPC with the service network, so its pods reach the Lattice services by their names.',
    );
    objects.push(ref(context, association));
  }
  if (graph.mesh) carry(context, 'mesh', cluster.name, graph.mesh, '', ...objects);
  return { name: network, namespace };
}

/** Lattice logs the requests that pass through its services: those a node receives through a route, or sends to one. */
function emitAccessLogs(context: Context, gateway: { name: string; namespace: string }): void {
  const { walkthrough, graph, cluster } = context;
  const logging: VirtualNode[] = [];
  for (const node of graph.nodes.filter((n) => n.spec.logging?.accessLog)) {
    if (context.targets.has(nodeKey(node)) || context.callers.has(nodeKey(node))) logging.push(node);
    else context.log?.drop(keyOf('access-log', cluster.name, node, 'logging.accessLog'), `${node.metadata.name} neither receives nor sends a request through a Lattice service (its traffic is TCP, inside the cluster), so Lattice has nothing of it to log`, 'the server’s own logs, or VPC Flow Logs for its connections');
  }
  for (const g of graph.gateways.filter((o) => o.spec.logging?.accessLog)) {
    context.log?.drop(keyOf('access-log', cluster.name, g, 'logging.accessLog'), `virtual gateway ${g.metadata.name} is not rendered (Lattice has no ingress gateway)`, 'the access logs of the ingress proxies put in front of the service network (an AccessLogPolicy on it logs the requests they pass on)');
  }
  if (!logging.length) return;
  const object = emit(
    context,
    'access-log-policies.yaml',
    {
      apiVersion: LATTICE_API,
      kind: 'AccessLogPolicy',
      metadata: { name: gateway.name, namespace: gateway.namespace },
      spec: {
        targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.name, namespace: gateway.namespace },
        destinationArn: `arn:aws:logs:${walkthrough.region}:${accountId(walkthrough, cluster.account)}:log-group:${accessLogGroup(walkthrough)}`,
      },
    },
    `Lattice’s access logs of every service in the network, to the log group cloudformation/access-logs.yaml creates.`,
  );
  for (const owner of logging) carry(context, 'access-log', cluster.name, owner, 'logging.accessLog', ref(context, object, ['spec', 'destinationArn']));
  context.templates.push({
    cluster: cluster.name,
    file: 'cloudformation/access-logs.yaml',
    stackName: `${walkthrough.name}-lattice-access-logs`,
    parameters: {},
    template: {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `The CloudWatch Logs group Lattice writes the access logs of ${walkthrough.name} to`,
      Resources: { AccessLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: accessLogGroup(walkthrough), RetentionInDays: 30 } } },
      Outputs: { AccessLogGroupArn: { Description: 'The destination of the AccessLogPolicy', Value: { 'Fn::GetAtt': ['AccessLogs', 'Arn'] } } },
    },
  });
}

function dnsTemplate(walkthrough: Walkthrough, cluster: Cluster, owner: string | undefined): TemplateFile {
  const domain = latticeDomain(walkthrough);
  return {
    cluster: cluster.name,
    file: 'cloudformation/dns.yaml',
    stackName: `${walkthrough.name}-lattice-dns`,
    parameters: { VpcId: '"$VPC_ID"' },
    capabilities: ['CAPABILITY_NAMED_IAM'],
    template: {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `The private DNS zone ${domain}: the names of ${walkthrough.name}’s Lattice services, for the pods of this VPC${owner ? '' : ' (ExternalDNS writes a CNAME per HTTPRoute into it)'}`,
      Parameters: { VpcId: { Type: 'AWS::EC2::VPC::Id', Description: 'The VPC of the cluster whose pods call the Lattice services' } },
      Resources: {
        Zone: { Type: 'AWS::Route53::HostedZone', Properties: { Name: domain, VPCs: [{ VPCId: { Ref: 'VpcId' }, VPCRegion: { Ref: 'AWS::Region' } }] } },
        ExternalDnsPolicy: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: {
            ManagedPolicyName: `${walkthrough.name}-external-dns`,
            Description: `Lets ExternalDNS write the records of ${domain}`,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: ['route53:ChangeResourceRecordSets'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:route53:::hostedzone/${Zone}' }] },
                { Effect: 'Allow', Action: ['route53:ListHostedZones', 'route53:ListResourceRecordSets', 'route53:ListTagsForResources'], Resource: ['*'] },
              ],
            },
          },
        },
      },
      Outputs: {
        HostedZoneId: { Description: 'The zone the records go in', Value: { Ref: 'Zone' } },
        ExternalDnsPolicyArn: { Description: 'For ExternalDNS’s service account role', Value: { Ref: 'ExternalDnsPolicy' } },
      },
    },
  };
}

function sharedNetworkTemplate(walkthrough: Walkthrough, cluster: Cluster, network: string, principals: readonly string[]): TemplateFile {
  return {
    cluster: cluster.name,
    file: 'cloudformation/service-network.yaml',
    stackName: `${walkthrough.name}-lattice-network`,
    parameters: { ShareWithAccountId: `<${principals.join(', ')} account ID>` },
    template: {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `The Lattice service network ${network}, shared with the ${principals.join(' and ')} account through AWS RAM`,
      Parameters: { ShareWithAccountId: { Type: 'String', Description: `The ${principals.join(', ')} account` } },
      Resources: {
        ServiceNetwork: { Type: 'AWS::VpcLattice::ServiceNetwork', Properties: { Name: network, AuthType: 'NONE' } },
        Share: {
          Type: 'AWS::RAM::ResourceShare',
          Properties: { Name: `${network}-share`, AllowExternalPrincipals: true, Principals: [{ Ref: 'ShareWithAccountId' }], ResourceArns: [{ 'Fn::GetAtt': ['ServiceNetwork', 'Arn'] }] },
        },
      },
      Outputs: { ServiceNetworkArn: { Description: 'The shared service network', Value: { 'Fn::GetAtt': ['ServiceNetwork', 'Arn'] } } },
    },
  };
}

/** A shell to curl from, where the walkthrough's entry was a gateway Lattice cannot carry and no pod of its own serves as one. */
function emitClient(context: Context, namespace: string): void {
  emit(context, 'service-accounts.yaml', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'client', namespace }, automountServiceAccountToken: false });
  const workload: Workload = {
    kind: 'Workload',
    metadata: { name: 'client', namespace },
    spec: { component: 'curl', replicas: 1, podLabels: { app: 'client' }, ports: [], command: ['sleep', 'infinity'], serviceAccountName: 'client' },
  };
  const emitted = deploymentFor(workload, [], '', { mesh: 'none' });
  emitted.comment = 'Lattice has no ingress gateway: the checks call the Lattice services from this pod, inside the VPC.';
  context.objects.push(emitted);
}

export function latticeClientNeeded(walkthrough: Walkthrough): boolean {
  const eksWorkloads = walkthrough.clusters.flatMap((c) => ofKind(c.resources, 'Workload'));
  return walkthrough.entries.some((e) => e.kind === 'load-balancer' && walkthrough.clusters.some((c) => ofKind(c.resources, 'VirtualGateway').length)) && !eksWorkloads.some((w) => w.spec.component === 'curl');
}

export function emitLattice(walkthrough: Walkthrough, cluster: Cluster, step: string, log?: TranslationLog): ClusterOutput {
  const graphs = graphsAt(walkthrough, step);
  const graph = graphs.find((g) => g.cluster === cluster.name)!;
  const context: Context = { walkthrough, cluster, graph, objects: [], templates: [], ...latticeReach(walkthrough, cluster), ...(log ? { log } : {}) };
  const registry = exampleRegistry(walkthrough, cluster);
  const services = meshServices(graph);
  const called = calledServices(walkthrough, graphs);

  // Namespaces as they are, without the labels only App Mesh read.
  const meshKeys = new Set([K8S.injectorLabel, ...Object.keys(graph.mesh?.spec.namespaceSelector?.matchLabels ?? {}), ...graph.gateways.flatMap((g) => Object.keys(g.spec.namespaceSelector?.matchLabels ?? {}))]);
  for (const ns of ofKind(graph.resources, 'Namespace')) {
    const labels = Object.fromEntries(Object.entries(ns.metadata.labels ?? {}).filter(([k]) => !meshKeys.has(k)));
    emit(context, 'namespaces.yaml', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.metadata.name, ...(Object.keys(labels).length ? { labels } : {}) } });
  }
  emitWorkloads(context, services, called, registry);
  emitServices(context, services, called);
  const owner = networkOwner(walkthrough, graphs);
  // A cluster whose pods call Lattice services (or that owns its own network) joins its VPC and names them in a private zone.
  const associate = graph.nodes.some((n) => callsLattice(graph, n, called)) || !owner;
  const gateway = emitNetwork(context, called, owner, associate);
  for (const target of called.filter((c) => c.graph.cluster === cluster.name)) emitRoute(context, target, gateway, graphs);
  for (const node of graph.nodes) {
    for (const backend of graph.backendsOf(node).filter((b) => !called.some((c) => c.vs === b.vs))) {
      context.log?.drop(
        keyOf(backend.byArn ? 'backend-arn' : 'backend', cluster.name, node, backend.field),
        `${MeshGraph.callName(backend.vs)} is not a Lattice service (a TCP service, reached by its Kubernetes Service name), so nothing stands between caller and callee to refuse other callers`,
        'a Kubernetes NetworkPolicy admitting only this node’s pods',
      );
    }
  }
  for (const vs of graph.virtualServices.filter((v) => !called.some((c) => c.vs === v))) {
    const provider = graph.provider(vs);
    if ('router' in provider) continue;
    const key = keyOf('virtual-service', cluster.name, vs, '');
    const service = nodeService(graph, provider.node);
    if (provider.node.spec.listeners?.some((l) => l.portMapping.protocol === 'tcp') && service) {
      context.log?.carry(key, { cluster: cluster.name, kind: 'Service', name: service.metadata.name, namespace: service.metadata.namespace! });
      context.log?.note(key, 'Not a Lattice service: Lattice speaks HTTP, HTTPS, gRPC and TLS passthrough, so this TCP service is reached by its Kubernetes Service name, inside the cluster.');
    } else {
      context.log?.notNeeded(key, 'No node calls it through the mesh (clients reach it through its load balancer): no Lattice service is needed.');
    }
  }
  emitHealthChecks(context);
  for (const node of graph.nodes.filter((n) => !context.targets.has(nodeKey(n)))) {
    node.spec.listeners?.forEach((listener, i) => {
      context.log?.note(
        keyOf('virtual-node', cluster.name, node, `listeners[${i}]`),
        listener.portMapping.protocol === 'tcp'
          ? 'The Service port: a TCP listener is reached by its Kubernetes Service name, inside the cluster, not through Lattice.'
          : 'The Service port: no Lattice service routes to this node (its clients reach it by its load balancer or its Service name).',
      );
    });
  }
  emitAccessLogs(context, gateway);
  emitKongObjects(context);
  if (latticeClientNeeded(walkthrough) && graph.gateways.length) emitClient(context, graph.gateways[0]!.metadata.namespace!);
  if (owner === cluster.name) {
    const share = ofKind(graph.resources, 'ResourceShare')[0]!;
    const template = sharedNetworkTemplate(walkthrough, cluster, gateway.name, share.spec.principals);
    context.templates.push(template);
    carry(context, 'shared-mesh', cluster.name, share, '', { cluster: cluster.name, kind: 'AWS::RAM::ResourceShare', name: 'Share', file: template.file });
  }
  if (owner) {
    for (const mesh of ofKind(graph.resources, 'Mesh').filter((m) => m.spec.meshOwner)) {
      carry(context, 'shared-mesh', cluster.name, mesh, 'meshOwner', ref(context, context.objects.find((o) => o.object.kind === 'Gateway')!.object));
    }
  }
  if (associate) context.templates.push(dnsTemplate(walkthrough, cluster, owner));
  return { objects: context.objects, templates: context.templates };
}

function latticeSettings(walkthrough: Walkthrough, cluster: Cluster): Setting[] {
  const others = walkthrough.clusters.filter((c) => c.account !== cluster.account);
  return [
    ...baseSettings(walkthrough, cluster),
    ...others.map((c): Setting => [accountSetting(walkthrough, cluster, c.account), accountId(walkthrough, c.account), `Account of the ${c.name} cluster, whose pods call this cluster’s Lattice services.`]),
  ];
}

export const LATTICE_TARGET: KubernetesTarget = {
  target: 'lattice',
  emit: emitLattice,
  settings: (walkthrough, cluster) => latticeSettings(walkthrough, cluster),
  replacements(objects, registry, walkthrough, cluster) {
    const set = new ReplacementSet();
    authPolicyReplacements(walkthrough, cluster, objects, set);
    for (const object of objects) {
      set.addImages(object, registry);
      if (object.kind === 'AccessLogPolicy') {
        set.add('AWS_REGION', { select: select(object), fieldPaths: ['spec.destinationArn'], options: { delimiter: ':', index: 3 } });
        set.add('AWS_ACCOUNT_ID', { select: select(object), fieldPaths: ['spec.destinationArn'], options: { delimiter: ':', index: 4 } });
      }
    }
    return set.list();
  },
};

/** The IAM auth policies name accounts inside a JSON string: each account's place when the string is split at its quotes. */
export function authPolicyReplacements(walkthrough: Walkthrough, cluster: Cluster, objects: readonly K8sObject[], set: ReplacementSet): void {
  for (const object of objects.filter((o) => o.kind === 'IAMAuthPolicy')) {
    const policy = (object.spec as { policy: string }).policy;
    const parts = policy.split('"');
    for (const account of walkthrough.accounts) {
      const index = parts.indexOf(account.exampleId);
      if (index < 0) continue;
      set.add(accountSetting(walkthrough, cluster, account.name), { select: select(object), fieldPaths: ['spec.policy'], options: { delimiter: '"', index } });
    }
  }
}

export function renderLattice(walkthrough: Walkthrough): RenderedFile[] {
  if (walkthrough.platform !== 'eks') return [];
  return renderKubernetesTarget(walkthrough, LATTICE_TARGET, `the Gateway API on Amazon VPC Lattice (AWS Gateway API Controller ${LATTICE_CONTROLLER_VERSION})`);
}

