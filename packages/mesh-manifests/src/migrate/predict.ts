/**
 * Where a check's request ends up, on App Mesh (read from the definition) and on each live target
 * (read from what its renderer wrote): the virtual nodes that answer it and their weights. The
 * guides compare the two — the same nodes mean the check's expected output stands on the target;
 * other nodes mean it changes, and the report says why. Each target's rules are evaluated as that
 * target matches them: Istio's first matching http entry, Lattice's first matching rule, the load
 * balancer's rules by priority. Requests that an app relays (the Yelb UI to its appserver) are not
 * followed: for those, the prediction is "unknown".
 */
import type { Check, Entry } from '../model/checks.js';
import type { VirtualNode, VirtualService } from '../model/appmesh.js';
import { gatewayPrefixRewrite, rewritePrefix, routeMatches, type RequestFacts } from '../model/routing.js';
import type { Walkthrough } from '../model/walkthrough.js';
import type { K8sObject } from '../render/eks/output.js';
import { emitIstio } from '../render/istio/index.js';
import { nodeService } from '../render/kubernetes/mesh-services.js';
import { emitLattice, latticeHost } from '../render/lattice/index.js';
import type { LiveTarget } from '../render/layout.js';
import { clusterDnsName, fqdn, MeshGraph } from '../render/mesh-graph.js';
import { serviceConnectStacks, targetGroupId } from '../render/service-connect/index.js';

export interface Answer {
  node: string;
  weight: number;
}

/** The nodes that answer, with weights; an empty list: no route (404). Unknown: not predictable. */
export type Prediction = { answers: Answer[]; route?: string } | { unknown: string };

/** What a check sends, and where to. */
export interface CheckRequest {
  walkthrough: Walkthrough;
  check: Check;
  entry: Entry;
  step: string;
}

function requestFacts(check: Check, path: string, host?: string): RequestFacts {
  const headers = Object.fromEntries(Object.entries(check.request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: check.request.method ?? 'GET', path, headers, ...(host ? { host } : {}) };
}

function entryGraph(request: CheckRequest): MeshGraph {
  const cluster = request.entry.cluster ?? request.walkthrough.clusters[0]!.name;
  return MeshGraph.at(request.walkthrough, request.step, cluster);
}

/** The virtual gateway behind a load-balancer entry, if the Service fronts a gateway's Envoy. */
function gatewayOfEntry(graph: MeshGraph, entry: Extract<Entry, { kind: 'load-balancer' }>) {
  const service = graph.services.find((s) => s.metadata.name === entry.service.name && s.metadata.namespace === entry.service.namespace);
  const workloads = service?.spec.selector
    ? graph.workloadsSelectedBy(service)
    : graph.workloads.filter((w) => w.metadata.name === entry.service.name && w.metadata.namespace === entry.service.namespace);
  for (const workload of workloads) {
    const identity = graph.identityOf(workload);
    if (identity?.kind === 'VirtualGateway') return identity;
  }
  return undefined;
}

/** The virtual service a URL's host names, as App Mesh's Envoy matches it: by its name exactly. */
function virtualServiceByHost(graph: MeshGraph, host: string) {
  return graph.virtualServices.find((vs) => MeshGraph.callName(vs).toLowerCase() === host.toLowerCase());
}

function routeVirtualService(graph: MeshGraph, vs: VirtualService, facts: RequestFacts): Prediction {
  const provider = graph.provider(vs);
  if ('node' in provider) return { answers: [{ node: provider.node.metadata.name, weight: 1 }] };
  for (const route of MeshGraph.orderedRoutes(provider.router)) {
    const http = route.httpRoute ?? route.http2Route;
    if (!http || !routeMatches(http.match, facts)) continue;
    return { answers: graph.targets(provider.router, route).map((t) => ({ node: t.node.metadata.name, weight: t.weight })), route: route.name };
  }
  return { answers: [] };
}

/**
 * The request a gateway route sends on: the target virtual service and the rewritten path; or
 * undefined when no gateway route matches (Envoy answers 404).
 */
export function throughGateway(request: CheckRequest): { graph: MeshGraph; vs: VirtualService; path: string } | undefined | 'not-a-gateway' {
  const { entry, check } = request;
  if (entry.kind !== 'load-balancer') return 'not-a-gateway';
  const graph = entryGraph(request);
  const gateway = gatewayOfEntry(graph, entry);
  if (!gateway) return 'not-a-gateway';
  for (const gr of graph.gatewayRoutesOf(gateway)) {
    const http = gr.spec.httpRoute ?? gr.spec.http2Route;
    if (!http || !routeMatches(http.match, requestFacts(check, check.request.path))) continue;
    const target = http.action.target.virtualService;
    const { vs, graph: vsGraph } = target.virtualServiceRef ? { vs: graph.virtualService(target.virtualServiceRef, gr.metadata.namespace), graph } : graph.virtualServiceByArn(target.virtualServiceARN!);
    const prefix = gatewayPrefixRewrite(http);
    const path = http.action.rewrite?.path ? http.action.rewrite.path.exact : prefix ? rewritePrefix(check.request.path, prefix.matched, prefix.replacement) : check.request.path;
    return { graph: vsGraph, vs, path };
  }
  return undefined;
}

/** Where App Mesh sends a check's request. */
export function predictAppMesh(request: CheckRequest): Prediction {
  const { entry, check } = request;
  if (entry.kind === 'envoy-admin') return { unknown: 'an Envoy admin request' };
  if (check.expect.kind === 'trace') return { unknown: 'a trace' };
  const via = throughGateway(request);
  if (via === undefined) return { answers: [] };
  if (via !== 'not-a-gateway') return routeVirtualService(via.graph, via.vs, requestFacts(check, via.path));
  if (entry.kind !== 'exec') return { unknown: 'the app behind the load balancer relays the request' };
  const url = new URL(check.request.path);
  const graph = entryGraph(request);
  const vs = virtualServiceByHost(graph, url.hostname);
  if (!vs) return { unknown: `${url.hostname} names no virtual service` };
  return routeVirtualService(graph, vs, requestFacts(check, `${url.pathname}${url.search}`));
}

// ---------------------------------------------------------------------------------------------
// Istio: the rendered VirtualServices, first matching http entry.

type Json = Record<string, unknown>;

function stringMatch(value: string | undefined, match: Json): boolean {
  if (value === undefined) return false;
  if (typeof match.exact === 'string') return value === match.exact;
  if (typeof match.prefix === 'string') return value.startsWith(match.prefix);
  if (typeof match.regex === 'string') return new RegExp(`^(?:${match.regex})$`).test(value);
  return true;
}

function istioMatches(match: Json, facts: RequestFacts): boolean {
  const q = facts.path.indexOf('?');
  const pathname = q < 0 ? facts.path : facts.path.slice(0, q);
  const uri = match.uri as Json | undefined;
  if (uri) {
    if (typeof uri.prefix === 'string' && !facts.path.startsWith(uri.prefix)) return false;
    if (typeof uri.exact === 'string' && pathname !== uri.exact) return false;
    if (typeof uri.regex === 'string' && !new RegExp(`^(?:${uri.regex})$`).test(pathname)) return false;
  }
  if (match.method && !stringMatch(facts.method, match.method as Json)) return false;
  if (match.authority && !stringMatch(facts.host, match.authority as Json)) return false;
  for (const [name, m] of Object.entries((match.headers as Record<string, Json> | undefined) ?? {})) if (!stringMatch(facts.headers[name], m)) return false;
  for (const [name, m] of Object.entries((match.withoutHeaders as Record<string, Json> | undefined) ?? {})) if (stringMatch(facts.headers[name], m)) return false;
  return true;
}

function nodeOfDestination(graph: MeshGraph, destination: { host: string; subset?: string }): string {
  if (destination.subset) return destination.subset;
  const address = clusterDnsName(destination.host, undefined);
  const node = graph.nodes.find((n) => {
    const service = nodeService(graph, n);
    return service && address && service.metadata.name === address.name && service.metadata.namespace === address.namespace;
  });
  return node?.metadata.name ?? destination.host;
}

function evaluateIstio(graph: MeshGraph, vs: K8sObject, facts: RequestFacts): Prediction {
  const entries = ((vs.spec as Json).http as Json[] | undefined) ?? [];
  for (const entry of entries) {
    if (!((entry.match as Json[] | undefined) ?? [{}]).some((m) => istioMatches(m, facts))) continue;
    if (entry.directResponse) return { answers: [], route: String(entry.name) };
    const routes = (entry.route as { destination: { host: string; subset?: string }; weight?: number }[]) ?? [];
    return { answers: routes.map((r) => ({ node: nodeOfDestination(graph, r.destination), weight: r.weight ?? 1 })), route: String(entry.name) };
  }
  return { answers: [] };
}

export function predictIstio(request: CheckRequest): Prediction {
  const { entry, check } = request;
  if (entry.kind === 'envoy-admin' || check.expect.kind === 'trace') return { unknown: 'not a routed request' };
  const graph = entryGraph(request);
  const cluster = request.walkthrough.clusters.find((c) => c.name === graph.cluster)!;
  const objects = emitIstio(request.walkthrough, cluster, request.step).objects.map((o) => o.object);
  const virtualServices = objects.filter((o) => o.kind === 'VirtualService');
  if (entry.kind === 'load-balancer') {
    const gateway = gatewayOfEntry(graph, entry);
    if (!gateway) return { unknown: 'the app behind the load balancer relays the request' };
    const bound = virtualServices.find((v) => ((v.spec as Json).gateways as string[] | undefined)?.includes(gateway.metadata.name));
    if (!bound) return { answers: [] };
    return evaluateIstio(graph, bound, requestFacts(check, check.request.path));
  }
  const url = new URL(check.request.path);
  // Istio's proxies know a Service by its short, namespace-qualified and full names alike.
  const from = entry.workload.namespace;
  const service = graph.serviceAt(url.hostname, from);
  const host = service ? fqdn(service.metadata.name, service.metadata.namespace!) : url.hostname;
  const vs = virtualServices.find((v) => ((v.spec as Json).hosts as string[]).includes(host));
  if (!vs) return { unknown: `no VirtualService routes ${host}` };
  return evaluateIstio(graph, vs, requestFacts(check, `${url.pathname}${url.search}`));
}

// ---------------------------------------------------------------------------------------------
// Lattice: the rendered HTTPRoutes, first matching rule; a gateway's request becomes a direct call.

function latticeMatches(match: Json, facts: RequestFacts): boolean {
  const q = facts.path.indexOf('?');
  const pathname = q < 0 ? facts.path : facts.path.slice(0, q);
  const path = match.path as { type: string; value: string } | undefined;
  if (path?.type === 'Exact' && pathname !== path.value) return false;
  if (path?.type === 'PathPrefix' && !pathname.startsWith(path.value)) return false;
  if (typeof match.method === 'string' && facts.method !== match.method) return false;
  // Lattice compares header values without regard to case.
  for (const h of (match.headers as { name: string; value: string }[] | undefined) ?? []) {
    if (facts.headers[h.name.toLowerCase()]?.toLowerCase() !== h.value.toLowerCase()) return false;
  }
  return true;
}

/** How a check reaches its virtual service on Lattice: the Lattice name, and the path the gateway would have sent. */
export function latticeCall(request: CheckRequest): { graph: MeshGraph; vs: VirtualService; path: string } | undefined | 'not-routed' {
  const via = throughGateway(request);
  if (via === undefined) return undefined;
  if (via !== 'not-a-gateway') return via;
  if (request.entry.kind !== 'exec') return 'not-routed';
  const url = new URL(request.check.request.path);
  const graph = entryGraph(request);
  const vs = virtualServiceByHost(graph, url.hostname);
  return vs ? { graph, vs, path: `${url.pathname}${url.search}` } : 'not-routed';
}

export function predictLattice(request: CheckRequest): Prediction {
  const { entry, check, walkthrough } = request;
  if (entry.kind === 'envoy-admin' || check.expect.kind === 'trace') return { unknown: 'not a routed request' };
  const call = latticeCall(request);
  if (call === undefined) return { answers: [] };
  if (call === 'not-routed') return { unknown: 'the app behind the load balancer relays the request' };
  const cluster = walkthrough.clusters.find((c) => c.name === call.graph.cluster)!;
  const route = emitLattice(walkthrough, cluster, request.step)
    .objects.map((o) => o.object)
    .find((o) => o.kind === 'HTTPRoute' && o.metadata.name === call.vs.metadata.name && o.metadata.namespace === call.vs.metadata.namespace);
  if (!route) return { unknown: `${MeshGraph.callName(call.vs)} is not a Lattice service` };
  const facts = requestFacts(check, call.path, latticeHost(walkthrough, call.vs));
  const rules = ((route.spec as Json).rules as { matches?: Json[]; backendRefs: { name: string; namespace?: string; weight?: number }[] }[]) ?? [];
  for (const [i, rule] of rules.entries()) {
    if (!(rule.matches ?? [{}]).some((m) => latticeMatches(m, facts))) continue;
    const answers = rule.backendRefs.map((ref) => {
      const node = call.graph.nodes.find((n) => {
        const service = nodeService(call.graph, n);
        return service?.metadata.name === ref.name && service.metadata.namespace === (ref.namespace ?? call.vs.metadata.namespace);
      });
      return { node: node?.metadata.name ?? ref.name, weight: ref.weight ?? 1 };
    });
    return { answers, route: `rule ${i + 1}` };
  }
  return { answers: [] };
}

// ---------------------------------------------------------------------------------------------
// Service Connect: the load balancer's rules by priority.

function globMatches(pattern: string, path: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(path);
}

export function predictServiceConnect(request: CheckRequest): Prediction {
  const { entry, check, walkthrough } = request;
  if (entry.kind !== 'load-balancer' || check.expect.kind === 'trace') return { unknown: 'not a request through the load balancer' };
  const services = serviceConnectStacks(walkthrough, request.step).find((s) => s.role === 'services')!.template;
  const graph = entryGraph(request);
  const q = check.request.path.indexOf('?');
  const path = q < 0 ? check.request.path : check.request.path.slice(0, q);
  const rules = Object.entries(services.Resources)
    .filter(([, r]) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule')
    .map(([id, r]) => ({ id, properties: r.Properties as Json }))
    .sort((a, b) => (a.properties.Priority as number) - (b.properties.Priority as number));
  for (const rule of rules) {
    const patterns = ((rule.properties.Conditions as Json[])[0]!.PathPatternConfig as { Values: string[] }).Values;
    if (!patterns.some((p) => globMatches(p, path))) continue;
    const groups = ((rule.properties.Actions as Json[])[0]!.ForwardConfig as { TargetGroups: { TargetGroupArn: { Ref: string }; Weight: number }[] }).TargetGroups;
    return {
      answers: groups.map((g) => ({ node: graph.nodes.find((n: VirtualNode) => g.TargetGroupArn.Ref === targetGroupId(n))?.metadata.name ?? g.TargetGroupArn.Ref, weight: g.Weight })),
      route: rule.id,
    };
  }
  return { answers: [] };
}

export const PREDICTORS: Record<LiveTarget, (request: CheckRequest) => Prediction> = {
  istio: predictIstio,
  lattice: predictLattice,
  'service-connect': predictServiceConnect,
};
