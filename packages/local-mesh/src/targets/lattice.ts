/**
 * The control plane for a walkthrough rendered for the Gateway API on Amazon VPC Lattice. There is
 * no sidecar on Lattice: the proxy beside each pod stands for the pod's network path — its IP
 * (ingress: what Lattice target groups and kube-proxy reach, straight to the app) and what it
 * reaches (egress: the Lattice services of the service networks its VPC is associated with,
 * evaluated as Lattice evaluates them; its cluster's Services through kube-proxy; nothing else).
 * Everything comes from the rendered files, never from the App Mesh definition.
 */
import { kongConfig } from '../control-plane/kong.js';
import { proxyId, ResolveError, type ResolveOptions } from '../control-plane/resolve.js';
import type { Instance } from '../control-plane/world.js';
import type { ClusterSettings } from '../proxy/cluster.js';
import type { ListenerConfig, ProxyConfig } from '../proxy/config.js';
import type { VirtualHost } from '../proxy/routing.js';
import { accessDenied, admits, serviceAuth, type ServiceAuth } from './lattice-auth.js';
import { kubeServiceHosts, tcpListeners, unresolvedHost, withPorts } from './lattice-kube.js';
import { LatticeNetworks, type LatticeService } from './lattice-network.js';
import { LATTICE_ROUTE_TIMEOUT_MS, serviceRoutes, type ServiceRoutes } from './lattice-routes.js';
import type { TargetWorld } from './target-world.js';

export { LATTICE_ROUTE_TIMEOUT_MS };

export interface LatticeResolveOptions extends ResolveOptions {
  /**
   * The repository the rendered files were read from, for the CloudFormation templates beside
   * them (a service network shared through AWS RAM). Default: found upward from the working directory.
   */
  repoRoot?: string;
}

interface Resolved {
  service: LatticeService;
  routes: ServiceRoutes;
  auth: ServiceAuth | undefined;
}

export function resolveLattice(world: TargetWorld, options: LatticeResolveOptions): ProxyConfig[] {
  const networks = new LatticeNetworks(world, options.repoRoot);
  // Every route is checked once, whoever calls it: a file the controller would reject fails the run.
  const services: Resolved[] = networks.services().map((service) => ({ service, routes: serviceRoutes(world, service), auth: serviceAuth(world, service) }));
  const host = options.listenAddress ?? '127.0.0.1';
  const configs: ProxyConfig[] = [];
  for (const instance of world.instances) {
    if (instance.identity?.kind === 'VirtualNode') configs.push(podProxy(world, networks, services, instance, options.version, host));
    if (instance.workload.spec.component === 'kong') configs.push(kongProxy(world, instance, options.version, host));
  }
  return configs;
}

function node(instance: Instance, networks: string[], kind: 'envoy' | 'kong'): ProxyConfig['node'] {
  return {
    id: proxyId(instance, kind),
    resourceArn: `lattice/pod/${instance.cluster}/${instance.namespace ?? 'default'}/${instance.podName}`,
    // The service networks the pod's VPC is associated with (`account/name`), for the admin dump.
    mesh: networks.join(','),
    kind: kind === 'kong' ? 'ingress' : 'sidecar',
    cluster: instance.cluster,
  };
}

function podProxy(world: TargetWorld, networks: LatticeNetworks, services: Resolved[], instance: Instance, version: string, host: string): ProxyConfig {
  const listeners: ListenerConfig[] = [];
  const clusters = new Map<string, ClusterSettings>();
  const add = (list: ClusterSettings[]) => list.forEach((c) => clusters.set(c.name, c));

  // The pod's IP: whatever reaches it (a Lattice target group, kube-proxy) gets the app, unchanged.
  // Kong's app is its own proxy listener (the kong-proxy Service's target).
  const kongPort = instance.workload.spec.component === 'kong' ? Object.values(instance.ports.listeners)[0] : undefined;
  const upstream = instance.upstream ?? (kongPort !== undefined ? { host: '127.0.0.1', port: kongPort } : undefined);
  if (instance.ports.ingress !== undefined && upstream) {
    const tcp = instance.workload.spec.component === 'postgres' || instance.workload.spec.component === 'redis';
    const local = `pod_${instance.namespace ?? 'default'}_${instance.workload.metadata.name}_${tcp ? 'tcp' : 'http'}`;
    clusters.set(local, { name: local, endpoints: [upstream] });
    const common = { name: 'lds_ingress_0.0.0.0_15000', host, port: instance.ports.ingress, statAddress: '0.0.0.0_15000', statPrefix: 'ingress' };
    listeners.push(
      tcp
        ? { ...common, protocol: 'tcp', clusters: [{ cluster: local, weight: 1 }] }
        : {
            ...common,
            protocol: 'http',
            unmatched: 'not-found',
            virtualHosts: [{ name: 'pod_ip', domains: ['*'], routes: [{ name: 'pod_ip', match: { prefix: '/' }, clusters: [{ cluster: local, weight: 1 }], timeoutMs: 0 }] }],
          },
    );
  }

  const reach = networks.associated(instance.cluster);
  const account = world.accountOf(instance.cluster);
  if (instance.ports.egress !== undefined) {
    const virtualHosts: VirtualHost[] = [];
    const latticeNames = new Set<string>();
    for (const { service, routes, auth } of services) {
      const ports = [...new Set(service.listeners.filter((l) => reach.has(l.network)).map((l) => l.port))];
      // A route without hostnames is named only by the DNS name Lattice generates, which no local file knows.
      if (ports.length === 0 || !service.hostname) continue;
      latticeNames.add(service.hostname);
      const vh: VirtualHost = { name: service.name, domains: withPorts([service.hostname], ports), routes: routes.routes };
      if (admits(auth, account)) {
        add(routes.clusters);
      } else {
        // Lattice authorizes before it looks at the rules: every request of this caller is refused.
        vh.routes = [{ name: `${service.name}_auth`, match: { prefix: '/' }, clusters: [], timeoutMs: LATTICE_ROUTE_TIMEOUT_MS, deny: accessDenied(world, service, auth!, account) }];
      }
      virtualHosts.push(vh);
    }
    const kube = kubeServiceHosts(world, instance, latticeNames);
    add(kube.clusters);
    listeners.push({
      name: 'lds_egress_0.0.0.0_15001',
      protocol: 'http',
      host,
      port: instance.ports.egress,
      statAddress: '0.0.0.0_15001',
      statPrefix: 'egress',
      virtualHosts: [...virtualHosts, ...kube.virtualHosts, unresolvedHost(instance)],
      // Never reached: the `unresolved` wildcard host answers every other name with its reason.
      unmatched: 'not-found',
    });
  }
  const tcp = tcpListeners(world, instance, host);
  listeners.push(...tcp.listeners);
  add(tcp.clusters);

  return { version, node: node(instance, [...reach].sort(), 'envoy'), listeners, clusters: [...clusters.values()], passthrough: {} };
}

/** Kong runs in the cluster with no proxy in its pod: its upstream calls leave through the pod's path like any other. */
function kongProxy(world: TargetWorld, instance: Instance, version: string, host: string): ProxyConfig {
  const egress = instance.ports.egress;
  if (egress === undefined) throw new ResolveError(`Kong ${instance.key} has no network path (egress port) to send its traffic through`);
  const [meshPort, port] = Object.entries(instance.ports.listeners)[0] ?? [];
  if (port === undefined) throw new ResolveError(`Kong ${instance.key} has no proxy port`);
  return {
    version,
    node: node(instance, [], 'kong'),
    listeners: [{ name: 'kong_proxy', protocol: 'http', host, port, statAddress: `0.0.0.0_${meshPort}`, statPrefix: 'kong', virtualHosts: [], unmatched: 'not-found' }],
    clusters: [],
    passthrough: {},
    // COORDINATION: kongConfig reads Ingresses, KongPlugins, KongConsumers and Secrets through a
    // generic lookup (all(kind) / get(kind, cluster, ns, name)) that TargetWorld provides.
    kong: kongConfig(world, instance.cluster, { host: '127.0.0.1', port: egress }),
  };
}
