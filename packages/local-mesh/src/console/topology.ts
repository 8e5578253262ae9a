/**
 * The console's picture of a step: every mesh object the step defines (MeshWorld) as a node in
 * its tier, edges labelled with what they are configured with, and the routes that split
 * traffic as the control plane published them to the proxies (ProxyConfig), with the clusters
 * whose stats show where the requests really went.
 */
import type { HttpRouteMatch, VirtualNode, Walkthrough } from '@amw/mesh-manifests';
import { edgeTls, type ClientTlsSide, type ListenerTlsSide, type MeshEgress, type Topology, type TopologyEdge, type TopologyNode } from '@amw/mesh-console';
import { instanceLabel, type Instance, type MeshWorld, type Scoped } from '../control-plane/world.js';
import { loadBalancerTarget } from '../orchestrator/entries.js';
import type { ProxyConfig } from '../proxy/config.js';
import type { Route } from '../proxy/routing.js';

/** A weighted route and where to read its clients' stats: what the console's feed polls. */
export interface SplitSource {
  id: string;
  label: string;
  clients: { name: string; adminPort: number }[];
  targets: { cluster: string; label: string; weight: number }[];
}

type Scope = { cluster: string; object: { metadata: { name: string; namespace?: string | undefined } } };

const idOf = (prefix: string, { cluster, object }: Scope) => `${prefix}:${cluster}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
const instanceId = (instance: Instance) => `instance:${instance.key}`;

/** Other clusters' objects carry their cluster's name, as instance labels do (`backend:yelb-db`). */
function labelOf({ cluster, object }: Scope): string {
  return `${cluster !== 'main' ? `${cluster}:` : ''}${object.metadata.name}`;
}

/** A route's match in the words of the App Mesh spec, short enough for an edge label. */
export function matchLabel(match: (HttpRouteMatch & { hostname?: { exact?: string; suffix?: string } }) | undefined): string {
  if (!match) return '';
  const parts: string[] = [];
  if (match.prefix !== undefined) parts.push(match.prefix === '/' ? '/*' : `${match.prefix}*`);
  if (match.path?.exact !== undefined) parts.push(match.path.exact);
  if (match.path?.regex !== undefined) parts.push(`~${match.path.regex}`);
  if (match.method) parts.push(match.method);
  if (match.hostname?.exact) parts.push(`host ${match.hostname.exact}`);
  if (match.hostname?.suffix) parts.push(`host *${match.hostname.suffix}`);
  for (const h of match.headers ?? []) {
    const m = h.match;
    const value = !m ? ' present' : m.exact !== undefined ? `=${m.exact}` : m.prefix !== undefined ? `^${m.prefix}` : m.suffix !== undefined ? `$${m.suffix}` : m.regex !== undefined ? `~${m.regex}` : m.range ? ` in [${m.range.start},${m.range.end})` : '';
    parts.push(`${h.invert ? '!' : ''}${h.name}${value}`);
  }
  for (const q of match.queryParameters ?? []) parts.push(`?${q.name}${q.match ? `=${q.match.exact}` : ''}`);
  if (match.port !== undefined) parts.push(`:${match.port}`);
  return parts.join(' ');
}

/** The Envoy cluster a caller reaches a virtual node's listener through, as the resolver names it. */
export function nodeClusterName(world: MeshWorld, vn: Scoped<VirtualNode>, listener: { portMapping: { port: number; protocol: string } }): string {
  const protocol = listener.portMapping.protocol === 'tcp' ? 'tcp' : 'http';
  return `cds_egress_${world.meshName(vn.cluster)}_${world.awsName(vn.object)}_${protocol}_${listener.portMapping.port}`;
}

/**
 * TLS into each virtual node, as the proxies were configured: what its listener accepts (spec)
 * against what every published configuration's cluster to it originates. Keyed by topology id.
 */
function tlsIntoNodes(world: MeshWorld, configs: readonly ProxyConfig[]): Map<string, ReturnType<typeof edgeTls>> {
  const out = new Map<string, ReturnType<typeof edgeTls>>();
  for (const vn of world.all('VirtualNode')) {
    const listener = vn.object.spec.listeners?.[0];
    if (!listener) continue;
    const name = nodeClusterName(world, vn, listener);
    const callers: ClientTlsSide[] = configs.flatMap((c) => c.clusters.filter((cl) => cl.name === name).map((cl) => ({ tls: cl.tls !== undefined, certificate: cl.tls?.certificateChain !== undefined })));
    const tls = listener.tls;
    const accepts: ListenerTlsSide | undefined = tls ? { mode: tls.mode, clientCertificate: tls.validation !== undefined } : undefined;
    out.set(idOf('node', vn), edgeTls(callers, accepts));
  }
  return out;
}

/** Every mesh of the step once, with its egress filter (App Mesh's default is DROP_ALL). */
function egressOf(world: MeshWorld): MeshEgress[] {
  const seen = new Map<string, MeshEgress>();
  for (const { cluster } of world.all('Mesh')) {
    const mesh = world.meshName(cluster);
    if (!seen.has(mesh)) seen.set(mesh, { mesh, filter: world.egressFilter(cluster) });
  }
  return [...seen.values()];
}

export function topologyOf(walkthrough: Walkthrough, world: MeshWorld, configs: readonly ProxyConfig[] = []): Topology {
  const tlsInto = tlsIntoNodes(world, configs);
  const withTls = (edge: TopologyEdge): TopologyEdge => {
    const tls = tlsInto.get(edge.to);
    return tls ? { ...edge, tls: tls.tls, tlsNote: tls.note } : edge;
  };
  const nodes: TopologyNode[] = [];
  const edges: TopologyEdge[] = [];
  const ids = new Set<string>();
  const add = (node: TopologyNode) => {
    if (ids.has(node.id)) return;
    ids.add(node.id);
    nodes.push(node);
  };
  // Edges to objects a step does not define (a dangling ref) are left out rather than invented.
  const link = (edge: TopologyEdge) => {
    if (ids.has(edge.from) && ids.has(edge.to)) edges.push(edge);
  };
  const identityId = (instance: Instance): string => {
    const id = instance.identity;
    if (!id) return instanceId(instance);
    const kind = id.kind === 'VirtualGateway' ? 'gateway' : 'node';
    return `${kind}:${instance.cluster}/${id.namespace ?? ''}/${id.name}`;
  };

  for (const entry of walkthrough.entries) add({ id: `entry:${entry.name}`, tier: 'entry', label: entry.name, detail: entry.kind });
  for (const gw of world.all('VirtualGateway')) add({ id: idOf('gateway', gw), tier: 'gateway', label: labelOf(gw), detail: 'virtual gateway' });
  for (const vs of world.all('VirtualService')) add({ id: idOf('service', vs), tier: 'service', label: labelOf(vs), detail: world.awsName(vs.object) });
  for (const vr of world.all('VirtualRouter')) {
    add({ id: idOf('router', vr), tier: 'router', label: labelOf(vr), detail: `router :${vr.object.spec.listeners.map((l) => l.portMapping.port).join(',')}` });
  }
  for (const vn of world.all('VirtualNode')) {
    const sd = vn.object.spec.serviceDiscovery;
    add({ id: idOf('node', vn), tier: 'node', label: labelOf(vn), detail: sd?.dns?.hostname ?? (sd?.awsCloudMap ? `cloud map ${sd.awsCloudMap.serviceName}.${sd.awsCloudMap.namespaceName}` : 'virtual node') });
  }
  for (const instance of world.instances) add({ id: instanceId(instance), tier: 'instance', label: instanceLabel(instance), detail: instance.podName });

  for (const entry of walkthrough.entries) {
    const cluster = entry.cluster ?? walkthrough.clusters[0]!.name;
    const target =
      entry.kind === 'load-balancer'
        ? loadBalancerTarget(world, world.instances, entry, cluster)?.instance
        : world.instances.find((i) => i.cluster === cluster && i.workload.metadata.name === entry.workload.name && i.namespace === entry.workload.namespace);
    if (!target) continue;
    // A gateway that terminates TLS protects the edge from its load balancer.
    const gateway = target.identity?.kind === 'VirtualGateway' ? world.get('VirtualGateway', target.cluster, target.identity.namespace, target.identity.name) : undefined;
    const tls = gateway?.object.spec.listeners.find((l) => l.tls && l.tls.mode !== 'DISABLED')?.tls;
    const edge: TopologyEdge = { from: `entry:${entry.name}`, to: identityId(target) };
    link(tls ? { ...edge, tls: tls.validation ? 'mtls' : 'tls', tlsNote: `the gateway's listener terminates TLS (${tls.mode})` } : withTls(edge));
  }
  for (const gw of world.all('VirtualGateway')) {
    for (const gr of world.gatewayRoutes(gw)) {
      const http = gr.object.spec.httpRoute ?? gr.object.spec.http2Route;
      if (!http) continue;
      const ref = http.action.target.virtualService;
      const vs = world.virtualService(gr.cluster, gr.object.metadata.namespace, ref.virtualServiceRef, ref.virtualServiceARN);
      if (vs) link({ from: idOf('gateway', gw), to: idOf('service', vs), label: matchLabel(http.match) });
    }
  }
  for (const vs of world.all('VirtualService')) {
    const ns = vs.object.metadata.namespace;
    const provider = vs.object.spec.provider;
    if (provider?.virtualRouter) {
      const vr = world.virtualRouter(vs.cluster, ns, provider.virtualRouter.virtualRouterRef, provider.virtualRouter.virtualRouterARN);
      if (vr) link({ from: idOf('service', vs), to: idOf('router', vr) });
    } else if (provider?.virtualNode) {
      const vn = world.virtualNode(vs.cluster, ns, provider.virtualNode.virtualNodeRef, provider.virtualNode.virtualNodeARN);
      if (vn) link(withTls({ from: idOf('service', vs), to: idOf('node', vn) }));
    }
  }
  for (const vr of world.all('VirtualRouter')) {
    for (const route of vr.object.spec.routes ?? []) {
      const spec = route.httpRoute ?? route.http2Route ?? route.tcpRoute ?? route.grpcRoute;
      if (!spec) continue;
      const match = route.httpRoute?.match ?? route.http2Route?.match;
      const weights = spec.action.weightedTargets;
      for (const t of weights) {
        const vn = world.virtualNode(vr.cluster, vr.object.metadata.namespace, t.virtualNodeRef, t.virtualNodeARN);
        if (!vn) continue;
        const matched = matchLabel(match);
        link(withTls({ from: idOf('router', vr), to: idOf('node', vn), label: `${route.name}${matched ? ` ${matched}` : ''} · weight ${t.weight}`, weight: t.weight }));
      }
    }
  }
  for (const vn of world.all('VirtualNode')) {
    for (const backend of vn.object.spec.backends ?? []) {
      const ref = backend.virtualService;
      const vs = world.virtualService(vn.cluster, vn.object.metadata.namespace, ref.virtualServiceRef, ref.virtualServiceARN);
      if (vs) link({ from: idOf('node', vn), to: idOf('service', vs), label: 'backend' });
    }
  }
  for (const instance of world.instances) if (instance.identity) link({ from: identityId(instance), to: instanceId(instance) });
  return { nodes, edges, egress: egressOf(world) };
}

/**
 * Every route with more than one weighted cluster in the configurations just published (gateway
 * routes' second stage included), grouped by route and targets: the proxies that hold the same
 * route are its clients, and their stats add up.
 */
export function splitSources(world: MeshWorld, configs: readonly ProxyConfig[]): SplitSource[] {
  const nodeOfCluster = new Map<string, string>();
  for (const vn of world.all('VirtualNode')) {
    for (const l of vn.object.spec.listeners ?? []) nodeOfCluster.set(nodeClusterName(world, vn, l), labelOf(vn));
  }
  // A live target's clusters are no virtual node's: they carry their own label (a subset, a target group).
  for (const config of configs) for (const cluster of config.clusters) if (cluster.label && !nodeOfCluster.has(cluster.name)) nodeOfCluster.set(cluster.name, cluster.label);
  const byInstance = new Map(world.instances.map((i) => [i.key, i]));
  const sources = new Map<string, SplitSource>();
  for (const config of configs) {
    const instance = byInstance.get(config.node.id.slice(0, config.node.id.lastIndexOf('#')));
    if (!instance || instance.ports.admin === undefined) continue;
    const weighted: { name: string; clusters: Route['clusters'] }[] = [];
    for (const listener of config.listeners) {
      if (listener.protocol === 'tcp') {
        weighted.push({ name: listener.name, clusters: listener.clusters });
        continue;
      }
      for (const host of listener.virtualHosts) weighted.push(...host.routes);
      for (const routes of Object.values(listener.virtualServices ?? {})) weighted.push(...routes);
    }
    for (const route of weighted) {
      if (route.clusters.length < 2) continue;
      const id = `${route.name}|${route.clusters.map((c) => `${c.cluster}=${c.weight}`).join(',')}`;
      let source = sources.get(id);
      if (!source) {
        source = {
          id,
          label: route.name,
          clients: [],
          targets: route.clusters.map((c) => ({ cluster: c.cluster, label: nodeOfCluster.get(c.cluster) ?? c.cluster, weight: c.weight })),
        };
        sources.set(id, source);
      }
      if (!source.clients.some((c) => c.adminPort === instance.ports.admin)) source.clients.push({ name: instanceLabel(instance), adminPort: instance.ports.admin });
    }
  }
  return [...sources.values()];
}
