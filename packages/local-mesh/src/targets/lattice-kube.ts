/**
 * What a pod reaches without Lattice: its own cluster's Services, by the names cluster DNS gives
 * them, straight to their pods (kube-proxy); Postgres and Redis by TCP the same way; and, for any
 * other name, the failure a pod meets when a name does not resolve.
 */
import type { ClusterSettings } from '../proxy/cluster.js';
import type { TcpListenerConfig } from '../proxy/config.js';
import type { VirtualHost } from '../proxy/routing.js';
import { ResolveError } from '../control-plane/resolve.js';
import type { Instance } from '../control-plane/world.js';
import { LATTICE_ROUTE_TIMEOUT_MS } from './lattice-routes.js';
import { list, obj, spec, text } from './lattice-network.js';
import type { Sourced } from './rendered-files.js';
import type { TargetWorld } from './target-world.js';

/** kube-proxy sends a Service's traffic to its pods' IPs: here, each pod's ingress port. */
export function kubeCluster(world: TargetWorld, service: Sourced): ClusterSettings {
  const { name, namespace } = service.object.metadata;
  return {
    name: `k8s_${service.cluster}_${namespace ?? 'default'}_${name}`,
    endpoints: world
      .podsOf(service)
      .filter((pod) => pod.ports.ingress !== undefined)
      .map((pod) => ({ host: '127.0.0.1', port: pod.ports.ingress!, id: pod.podName })),
  };
}

/** `name:port` for each port; the bare name too for port 80, which is what a Host without port means. */
export function withPorts(names: string[], ports: number[]): string[] {
  return names.flatMap((host) => [...ports.map((p) => `${host}:${p}`), ...(ports.includes(80) ? [host] : [])]);
}

/** The names cluster DNS answers for a Service, from a pod in `fromNamespace` (search path included). */
function dnsNames(service: Sourced, fromNamespace: string | undefined): string[] {
  const { name, namespace } = service.object.metadata;
  const ns = namespace ?? 'default';
  return [`${name}.${ns}.svc.cluster.local`, `${name}.${ns}.svc`, `${name}.${ns}`, ...(ns === (fromNamespace ?? 'default') ? [name] : [])];
}

/**
 * A virtual host per Service of the pod's cluster. An ExternalName Service that aliases a Lattice
 * name reaches the Lattice data plane with the alias as Host, which names no Lattice service.
 */
export function kubeServiceHosts(world: TargetWorld, instance: Instance, latticeNames: ReadonlySet<string>): { virtualHosts: VirtualHost[]; clusters: ClusterSettings[] } {
  const virtualHosts: VirtualHost[] = [];
  const clusters: ClusterSettings[] = [];
  for (const service of world.all('Service', instance.cluster)) {
    const s = spec(service);
    const ports = list(s.ports)
      .map((p) => obj(p).port)
      .filter((p): p is number => typeof p === 'number');
    const domains = withPorts(dnsNames(service, instance.namespace), ports);
    const vhName = `k8s_${service.object.metadata.namespace ?? 'default'}_${service.object.metadata.name}`;
    if (s.type === 'ExternalName') {
      const target = text(s.externalName)?.toLowerCase();
      if (!target || !latticeNames.has(target)) continue; // Resolves outside the walkthrough: unresolvable here.
      virtualHosts.push({
        name: vhName,
        domains,
        routes: [
          {
            name: `${vhName}_alias`,
            match: { prefix: '/' },
            clusters: [],
            timeoutMs: LATTICE_ROUTE_TIMEOUT_MS,
            deny: {
              status: 404,
              body: `local mesh: ${service.object.metadata.name} aliases the Lattice service ${target}, but Lattice picks a service by the Host header and this request's Host names none: send Host: ${target} (Kong's konghq.com/host-header does)\n`,
              flag: 'NR',
            },
          },
        ],
      });
      continue;
    }
    if (!s.selector) continue;
    const cluster = kubeCluster(world, service);
    clusters.push(cluster);
    virtualHosts.push({
      name: vhName,
      domains,
      routes: [{ name: `${vhName}_kube-proxy`, match: { prefix: '/' }, clusters: [{ cluster: cluster.name, weight: 1 }], timeoutMs: 0 }],
    });
  }
  return { virtualHosts, clusters };
}

/**
 * Every other name: it does not resolve from the pod (Lattice adds names only for services its
 * VPC reaches; cluster DNS knows only its own cluster). A client would fail before sending
 * anything; through HTTP_PROXY the local proxy answers 502 with the reason (Envoy's flag DF: DNS
 * resolution failed), distinct from Lattice's 404 when no rule of a reachable service matches.
 */
export function unresolvedHost(instance: Instance): VirtualHost {
  return {
    name: 'unresolved',
    domains: ['*'],
    routes: [
      {
        name: 'unresolved',
        match: { prefix: '/' },
        clusters: [],
        timeoutMs: 0,
        deny: {
          status: 502,
          body: `local mesh: this name does not resolve from pod ${instance.podName} (cluster ${instance.cluster}): it is no Lattice service a service network associated with its VPC holds, nor a Service of its cluster\n`,
          flag: 'DF',
        },
      },
    ],
  };
}

/** Postgres and Redis clients cannot use HTTP_PROXY: a TCP listener per name, to the Service's pods. */
export function tcpListeners(world: TargetWorld, instance: Instance, host: string): { listeners: TcpListenerConfig[]; clusters: ClusterSettings[] } {
  const listeners: TcpListenerConfig[] = [];
  const clusters: ClusterSettings[] = [];
  for (const backend of world.tcpBackends(instance)) {
    const service = world.serviceByHost(instance.cluster, backend.host, instance.namespace);
    if (!service) {
      throw new ResolveError(
        `pod ${instance.podName} (cluster ${instance.cluster}) connects to ${backend.host} over TCP, which names no Service of its cluster in the rendered files: add the Service (Lattice carries no TCP, so it is reached inside the cluster)`,
      );
    }
    const cluster = kubeCluster(world, service);
    clusters.push(cluster);
    const port = obj(list(spec(service).ports)[0]).port;
    const name = `${service.object.metadata.name}.${service.object.metadata.namespace ?? 'default'}`;
    listeners.push({
      name: `lds_egress_tcp_${name}_${String(port)}`,
      protocol: 'tcp',
      host,
      port: backend.port,
      statAddress: `0.0.0.0_15001_${name}`,
      statPrefix: `egress_${name}`,
      clusters: [{ cluster: cluster.name, weight: 1 }],
    });
  }
  return { listeners, clusters };
}
