/**
 * The control plane's core: from the mesh objects and the running instances, the configuration
 * of every proxy — what App Mesh computes and streams to each Envoy. A sidecar gets an ingress
 * listener in front of its app, an egress listener with a virtual host per declared backend (the
 * allow-list), TCP listeners for TCP backends, and a cluster per virtual node it can reach. A
 * virtual gateway gets its gateway routes, matched first, then the target service's routes.
 */
import type {
  ClientPolicy,
  GatewayRoute,
  ListenerTls as MeshListenerTls,
  VirtualGateway,
  VirtualGatewayListener,
  VirtualNode,
  VirtualNodeListener,
  VirtualService,
} from '@amw/mesh-manifests';
import type { ClusterSettings, ClusterTls } from '../proxy/cluster.js';
import type { HttpListenerConfig, ListenerConfig, PassthroughTarget, ProxyConfig, TcpListenerConfig } from '../proxy/config.js';
import type { ListenerTls } from '../proxy/listener.js';
import type { Route, VirtualHost, WeightedCluster } from '../proxy/routing.js';
import type { CertificateStore } from '../tls/cert-store.js';
import { kongConfig } from './kong.js';
import {
  DEFAULT_ROUTE_TIMEOUT_MS,
  gatewayRewrite,
  healthCheck,
  httpRouteOf,
  idleMs,
  orderRoutes,
  outlierDetection,
  retryPolicy,
  routeMatch,
  timeoutMs,
} from './translate.js';
import { virtualServiceKey, type Instance, type MeshWorld, type Scoped } from './world.js';

export interface ResolveOptions {
  version: string;
  certs: CertificateStore;
  /** The local X-Ray daemon (UDP host:port), for workloads whose Envoy traces. */
  xrayDaemon?: string;
  /** The local CloudWatch agent's StatsD listener (UDP host:port), for ENABLE_ENVOY_DOG_STATSD. */
  statsdAgent?: string;
  /** Where every proxy listener binds; default 127.0.0.1. Admin ports stay on loopback whatever it says. */
  listenAddress?: string;
}

export class ResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResolveError';
  }
}

/** Proxy ids: one Envoy per meshed instance, plus the Kong process of a Kong instance. */
export const proxyId = (instance: Instance, kind: 'envoy' | 'kong' = 'envoy') => `${instance.key}#${kind}`;

interface VirtualServiceTarget {
  protocol: 'http' | 'tcp';
  ports: number[];
  routes: Route[];
  /** TCP services: the clusters a connection goes to, by weight, and the route's idle timeout. */
  tcp?: { clusters: WeightedCluster[]; idleTimeoutMs?: number };
  clusters: ClusterSettings[];
}

export class Resolver {
  private readonly listenAddress: string;

  constructor(
    private readonly world: MeshWorld,
    private readonly options: ResolveOptions,
  ) {
    this.listenAddress = options.listenAddress ?? '127.0.0.1';
  }

  all(): ProxyConfig[] {
    const configs: ProxyConfig[] = [];
    for (const instance of this.world.instances) {
      if (instance.identity?.kind === 'VirtualNode') configs.push(this.sidecar(instance));
      if (instance.identity?.kind === 'VirtualGateway') configs.push(this.gateway(instance));
      if (instance.workload.spec.component === 'kong') configs.push(this.kong(instance));
    }
    return configs;
  }

  private node(instance: Instance): Scoped<VirtualNode> {
    const id = instance.identity!;
    const node = this.world.get('VirtualNode', instance.cluster, id.namespace, id.name);
    if (!node) throw new ResolveError(`workload ${instance.key} speaks for VirtualNode ${id.namespace ?? ''}/${id.name}, which does not exist`);
    return node;
  }

  private base(instance: Instance, kind: ProxyConfig['node']['kind'], resource: string, suffix = 'envoy'): Pick<ProxyConfig, 'version' | 'node' | 'passthrough'> {
    const mesh = this.world.meshName(instance.cluster);
    const owner = this.world.mesh(instance.cluster).spec.meshOwner;
    return {
      version: this.options.version,
      node: {
        id: `${instance.key}#${suffix}`,
        // As the injector sets it; a shared mesh is named `<mesh>@<owner>` by the other account.
        resourceArn: `mesh/${owner && owner !== this.world.accountOf.get(instance.cluster) ? `${mesh}@${owner}` : mesh}/${resource}`,
        mesh,
        kind,
        cluster: instance.cluster,
      },
      passthrough: {},
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Sidecars

  private sidecar(instance: Instance): ProxyConfig {
    const node = this.node(instance);
    const mesh = this.world.meshName(instance.cluster);
    const nodeName = this.world.awsName(node.object);
    const accessLogPath = node.object.spec.logging?.accessLog?.file.path;
    const listeners: ListenerConfig[] = [];
    const clusters = new Map<string, ClusterSettings>();

    const listener = node.object.spec.listeners?.[0];
    if (listener && instance.ports.ingress !== undefined && instance.upstream) {
      const protocol = listener.portMapping.protocol === 'tcp' ? 'tcp' : 'http';
      const local = `cds_ingress_${mesh}_${nodeName}_${protocol}_${listener.portMapping.port}`;
      clusters.set(local, { name: local, endpoints: [instance.upstream], ...this.poolLimits(listener) });
      const common = {
        name: 'lds_ingress_0.0.0.0_15000',
        host: this.listenAddress,
        port: instance.ports.ingress,
        statAddress: '0.0.0.0_15000',
        statPrefix: 'ingress',
        ...(listener.tls ? { tls: this.listenerTls(listener.tls) } : {}),
        ...(accessLogPath ? { accessLogPath } : {}),
      };
      if (protocol === 'tcp') {
        listeners.push({ ...common, protocol: 'tcp', clusters: [{ cluster: local, weight: 1 }], ...idleMs(listener.timeout?.tcp) } satisfies TcpListenerConfig);
      } else {
        listeners.push({
          ...common,
          protocol: 'http',
          meshPort: listener.portMapping.port,
          unmatched: 'not-found',
          virtualHosts: [
            {
              name: `${nodeName}_ingress`,
              domains: ['*'],
              routes: [
                {
                  name: 'ingress',
                  match: { prefix: '/' },
                  clusters: [{ cluster: local, weight: 1 }],
                  timeoutMs: timeoutMs(listener.timeout?.http),
                  ...idleMs(listener.timeout?.http),
                },
              ],
            },
          ],
        } satisfies HttpListenerConfig);
      }
    }

    const virtualHosts: VirtualHost[] = [];
    for (const backend of node.object.spec.backends ?? []) {
      const ref = backend.virtualService;
      const vs = this.world.virtualService(instance.cluster, node.object.metadata.namespace, ref.virtualServiceRef, ref.virtualServiceARN);
      if (!vs) {
        throw new ResolveError(
          `VirtualNode ${nodeName} lists backend ${ref.virtualServiceRef?.name ?? ref.virtualServiceARN}, which does not exist in the mesh`,
        );
      }
      const policy = ref.clientPolicy ?? node.object.spec.backendDefaults?.clientPolicy;
      const target = this.serviceTarget(vs, policy);
      for (const cluster of target.clusters) clusters.set(cluster.name, cluster);
      const awsName = this.world.awsName(vs.object);
      if (target.protocol === 'tcp') {
        const port = instance.ports.tcpEgress[virtualServiceKey(vs)];
        if (port === undefined || !target.tcp) continue;
        listeners.push({
          name: `lds_egress_tcp_${awsName}_${target.ports[0]}`,
          protocol: 'tcp',
          host: this.listenAddress,
          port,
          statAddress: `0.0.0.0_15001_${awsName}`,
          statPrefix: `egress_${awsName}`,
          clusters: target.tcp.clusters,
          ...(target.tcp.idleTimeoutMs !== undefined ? { idleTimeoutMs: target.tcp.idleTimeoutMs } : {}),
          ...(accessLogPath ? { accessLogPath } : {}),
        });
        continue;
      }
      virtualHosts.push({ name: awsName, domains: domainsFor(awsName, target.ports), routes: target.routes });
    }
    if (instance.ports.egress !== undefined) {
      const allowAll = this.world.egressFilter(instance.cluster) === 'ALLOW_ALL';
      listeners.push({
        name: 'lds_egress_0.0.0.0_15001',
        protocol: 'http',
        host: this.listenAddress,
        port: instance.ports.egress,
        statAddress: '0.0.0.0_15001',
        statPrefix: 'egress',
        virtualHosts,
        unmatched: allowAll ? 'passthrough' : 'not-found',
        ...(accessLogPath ? { accessLogPath } : {}),
      });
    }

    const config: ProxyConfig = {
      ...this.base(instance, 'sidecar', `virtualNode/${nodeName}`),
      listeners,
      clusters: [...clusters.values()],
      passthrough: this.world.egressFilter(instance.cluster) === 'ALLOW_ALL' ? this.passthrough(instance) : {},
    };
    const tracing = this.tracing(instance, nodeName);
    if (tracing) config.tracing = tracing;
    const statsd = this.statsd(instance, { kind: 'virtual_node', name: nodeName });
    if (statsd) config.statsd = statsd;
    return config;
  }

  private statsd(instance: Instance, resource: { kind: 'virtual_node' | 'virtual_gateway'; name: string }): ProxyConfig['statsd'] {
    const env = instance.workload.spec.proxyEnv ?? {};
    if (env.ENABLE_ENVOY_DOG_STATSD !== '1' || !this.options.statsdAgent) return undefined;
    const tags: Record<string, string> =
      env.ENABLE_ENVOY_STATS_TAGS === '1' ? { 'appmesh.mesh': this.world.meshName(instance.cluster), [`appmesh.${resource.kind}`]: resource.name } : {};
    return { address: this.options.statsdAgent, flushIntervalMs: 5000, tags };
  }

  private tracing(instance: Instance, resourceName: string): ProxyConfig['tracing'] {
    if (instance.workload.spec.proxyEnv?.ENABLE_ENVOY_XRAY_TRACING !== '1' || !this.options.xrayDaemon) return undefined;
    return { daemonAddress: this.options.xrayDaemon, segmentName: `${this.world.meshName(instance.cluster)}/${resourceName}` };
  }

  private poolLimits(listener: VirtualNodeListener | VirtualGatewayListener): Partial<ClusterSettings> {
    const pool = listener.connectionPool;
    const http = pool?.http;
    if (http) return { maxConnections: http.maxConnections, ...(http.maxPendingRequests !== undefined ? { maxPendingRequests: http.maxPendingRequests } : {}) };
    if (pool && 'tcp' in pool && pool.tcp) return { maxConnections: pool.tcp.maxConnections };
    return {};
  }

  /** What the workload's DNS and kube-proxy give a name the mesh does not route (ALLOW_ALL). */
  private passthrough(instance: Instance): Record<string, PassthroughTarget[]> {
    const out: Record<string, PassthroughTarget[]> = {};
    for (const service of this.world.all('Service')) {
      if (service.cluster !== instance.cluster) continue;
      const { name, namespace } = service.object.metadata;
      const endpoints = this.world.ingressOf(this.world.podsOf(service));
      for (const port of service.object.spec.ports) {
        const names = [`${name}.${namespace}.svc.cluster.local`, `${name}.${namespace}.svc`, `${name}.${namespace}`];
        if (namespace === instance.namespace) names.push(name);
        for (const host of names) out[`${host}:${port.port}`] = endpoints;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Virtual services, routers and the clusters behind them

  private serviceTarget(vs: Scoped<VirtualService>, policy: ClientPolicy | undefined): VirtualServiceTarget {
    const provider = vs.object.spec.provider;
    const ns = vs.object.metadata.namespace;
    if (provider?.virtualRouter) {
      const router = this.world.virtualRouter(vs.cluster, ns, provider.virtualRouter.virtualRouterRef, provider.virtualRouter.virtualRouterARN);
      if (!router) throw new ResolveError(`VirtualService ${this.world.awsName(vs.object)} is provided by a VirtualRouter that does not exist`);
      const listener = router.object.spec.listeners[0]!;
      const protocol = listener.portMapping.protocol === 'tcp' ? 'tcp' : 'http';
      const clusters: ClusterSettings[] = [];
      const target = (ref: { virtualNodeRef?: { name: string; namespace?: string }; virtualNodeARN?: string; port?: number }) => {
        const node = this.world.virtualNode(router.cluster, router.object.metadata.namespace, ref.virtualNodeRef, ref.virtualNodeARN);
        if (!node) throw new ResolveError(`VirtualRouter ${this.world.awsName(router.object)} sends to a VirtualNode that does not exist: ${ref.virtualNodeRef?.name ?? ref.virtualNodeARN}`);
        const cluster = this.nodeCluster(node, policy, ref.port);
        if (!clusters.some((c) => c.name === cluster.name)) clusters.push(cluster);
        return cluster.name;
      };
      const routes: Route[] = [];
      let tcp: VirtualServiceTarget['tcp'];
      for (const route of orderRoutes(
        (router.object.spec.routes ?? []).map((r) => ({ ...r, match: httpRouteOf(r)?.match })),
      )) {
        const http = httpRouteOf(route);
        if (http) {
          routes.push({
            name: route.name,
            match: routeMatch(http.match),
            clusters: http.action.weightedTargets.map((t) => ({ cluster: target(t), weight: t.weight })),
            timeoutMs: timeoutMs(http.timeout),
            ...idleMs(http.timeout),
            ...(http.retryPolicy ? { retry: retryPolicy(http.retryPolicy)! } : {}),
          });
        } else if (route.tcpRoute) {
          // Envoy's TCP proxy has one route per listener; a second would be accepted and never used.
          if (tcp) {
            throw new ResolveError(
              `VirtualRouter ${this.world.awsName(router.object)} has more than one TCP route (${route.name}); the local mesh sends every connection of a TCP virtual service through one route: merge their targets into one route`,
            );
          }
          tcp = {
            clusters: route.tcpRoute.action.weightedTargets.map((t) => ({ cluster: target(t), weight: t.weight })),
            ...idleMs(route.tcpRoute.timeout),
          };
        }
      }
      return { protocol, ports: router.object.spec.listeners.map((l) => l.portMapping.port), routes, clusters, ...(tcp ? { tcp } : {}) };
    }
    if (provider?.virtualNode) {
      const node = this.world.virtualNode(vs.cluster, ns, provider.virtualNode.virtualNodeRef, provider.virtualNode.virtualNodeARN);
      if (!node) throw new ResolveError(`VirtualService ${this.world.awsName(vs.object)} is provided by a VirtualNode that does not exist`);
      const listener = node.object.spec.listeners?.[0];
      if (!listener) throw new ResolveError(`VirtualNode ${this.world.awsName(node.object)} provides a service but has no listener`);
      const cluster = this.nodeCluster(node, policy);
      const protocol = listener.portMapping.protocol === 'tcp' ? 'tcp' : 'http';
      return {
        protocol,
        ports: [listener.portMapping.port],
        routes: [{ name: `${this.world.awsName(vs.object)}_default`, match: { prefix: '/' }, clusters: [{ cluster: cluster.name, weight: 1 }], timeoutMs: DEFAULT_ROUTE_TIMEOUT_MS }],
        clusters: [cluster],
        ...(protocol === 'tcp' ? { tcp: { clusters: [{ cluster: cluster.name, weight: 1 }] } } : {}),
      };
    }
    throw new ResolveError(`VirtualService ${this.world.awsName(vs.object)} has no provider`);
  }

  /** The cluster for traffic to a virtual node: its endpoints and its listener's policies. */
  private nodeCluster(node: Scoped<VirtualNode>, policy: ClientPolicy | undefined, port?: number): ClusterSettings {
    const listener = node.object.spec.listeners?.find((l) => port === undefined || l.portMapping.port === port) ?? node.object.spec.listeners?.[0];
    if (!listener) throw new ResolveError(`VirtualNode ${this.world.awsName(node.object)} receives traffic but has no listener`);
    const protocol = listener.portMapping.protocol === 'tcp' ? 'tcp' : 'http';
    const mesh = this.world.meshName(node.cluster);
    const settings: ClusterSettings = {
      name: `cds_egress_${mesh}_${this.world.awsName(node.object)}_${protocol}_${listener.portMapping.port}`,
      endpoints: this.world.endpointsOf(node),
    };
    const hc = healthCheck(listener.healthCheck);
    if (hc) settings.healthCheck = hc;
    const od = outlierDetection(listener.outlierDetection);
    if (od) settings.outlierDetection = od;
    const tls = this.clientTls(policy, listener.portMapping.port);
    if (tls) settings.tls = tls;
    return settings;
  }

  private clientTls(policy: ClientPolicy | undefined, port: number): ClusterTls | undefined {
    const tls = policy?.tls;
    if (!tls || tls.enforce === false) return undefined;
    if (tls.ports && tls.ports.length > 0 && !tls.ports.includes(port)) return undefined;
    const trust = tls.validation.trust;
    if (!trust.file) {
      throw new ResolveError(
        trust.acm
          ? 'a client policy trusts an ACM Private CA, which the local mesh cannot reach: use validation.trust.file with the walkthrough’s own CA'
          : 'a client policy trusts an SDS secret, which the local mesh does not serve: use validation.trust.file',
      );
    }
    const out: ClusterTls = { trustedCa: this.options.certs.read(trust.file.certificateChain) };
    if (tls.certificate?.file) {
      out.certificateChain = this.options.certs.read(tls.certificate.file.certificateChain);
      out.privateKey = this.options.certs.read(tls.certificate.file.privateKey);
    }
    const sans = tls.validation.subjectAlternativeNames?.match.exact;
    if (sans?.length) out.subjectAlternativeNames = sans;
    return out;
  }

  private listenerTls(tls: MeshListenerTls | NonNullable<VirtualGatewayListener['tls']>): ListenerTls {
    const file = tls.certificate.file;
    if (!file) {
      throw new ResolveError(
        tls.certificate.acm
          ? 'a listener uses an ACM certificate, which the local mesh cannot fetch: use certificate.file with the walkthrough’s own CA'
          : 'a listener uses an SDS certificate, which the local mesh does not serve: use certificate.file',
      );
    }
    const out: ListenerTls = { mode: tls.mode, certificateChain: this.options.certs.read(file.certificateChain), privateKey: this.options.certs.read(file.privateKey) };
    const trust = tls.validation?.trust;
    if (trust && 'file' in trust && trust.file) out.trustedCa = this.options.certs.read(trust.file.certificateChain);
    const sans = tls.validation?.subjectAlternativeNames?.match.exact;
    if (sans?.length) out.subjectAlternativeNames = sans;
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Virtual gateways

  private gateway(instance: Instance): ProxyConfig {
    const id = instance.identity!;
    const gateway = this.world.get('VirtualGateway', instance.cluster, id.namespace, id.name);
    if (!gateway) throw new ResolveError(`workload ${instance.key} runs VirtualGateway ${id.name}, which does not exist`);
    const vg: VirtualGateway = gateway.object;
    const gatewayName = this.world.awsName(vg);
    const policy = vg.spec.backendDefaults?.clientPolicy;
    const clusters = new Map<string, ClusterSettings>();
    const serviceRoutes: Record<string, Route[]> = {};
    const routes: Route[] = [];
    const gatewayRoutes = orderRoutes(
      this.world.gatewayRoutes(gateway).map((gr) => ({ ...gr, priority: gr.object.spec.priority, match: (gr.object.spec.httpRoute ?? gr.object.spec.http2Route)?.match })),
    );
    for (const gr of gatewayRoutes) {
      const http = (gr.object as GatewayRoute).spec.httpRoute ?? (gr.object as GatewayRoute).spec.http2Route;
      if (!http) continue;
      const ref = http.action.target.virtualService;
      const vs = this.world.virtualService(gr.cluster, gr.object.metadata.namespace, ref.virtualServiceRef, ref.virtualServiceARN);
      if (!vs) throw new ResolveError(`GatewayRoute ${this.world.awsName(gr.object)} targets a VirtualService that does not exist`);
      const key = virtualServiceKey(vs);
      if (!serviceRoutes[key]) {
        const target = this.serviceTarget(vs, policy);
        serviceRoutes[key] = target.routes;
        for (const cluster of target.clusters) clusters.set(cluster.name, cluster);
      }
      routes.push({
        name: this.world.awsName(gr.object),
        match: routeMatch(http.match),
        clusters: [],
        virtualService: key,
        rewrite: gatewayRewrite(http, this.world.awsName(vs.object)),
        timeoutMs: DEFAULT_ROUTE_TIMEOUT_MS,
      });
    }
    const accessLogPath = vg.spec.logging?.accessLog?.file.path;
    const listeners: ListenerConfig[] = vg.spec.listeners.flatMap((listener) => {
      const port = instance.ports.listeners[listener.portMapping.port];
      if (port === undefined) return [];
      // The listener's connection pool bounds what the gateway opens to each upstream.
      for (const [name, cluster] of clusters) clusters.set(name, { ...cluster, ...this.poolLimits(listener) });
      return [
        {
          name: `lds_ingress_0.0.0.0_${listener.portMapping.port}`,
          protocol: 'http' as const,
          host: this.listenAddress,
          port,
          statAddress: `0.0.0.0_${listener.portMapping.port}`,
          statPrefix: 'ingress',
          meshPort: listener.portMapping.port,
          virtualHosts: [{ name: `${gatewayName}_routes`, domains: ['*'], routes }],
          virtualServices: serviceRoutes,
          unmatched: 'not-found' as const,
          ...(listener.tls ? { tls: this.listenerTls(listener.tls) } : {}),
          ...(accessLogPath ? { accessLogPath } : {}),
        },
      ];
    });
    const config: ProxyConfig = { ...this.base(instance, 'gateway', `virtualGateway/${gatewayName}`), listeners, clusters: [...clusters.values()] };
    const tracing = this.tracing(instance, gatewayName);
    if (tracing) config.tracing = tracing;
    const statsd = this.statsd(instance, { kind: 'virtual_gateway', name: gatewayName });
    if (statsd) config.statsd = statsd;
    return config;
  }

  // ---------------------------------------------------------------------------------------------
  // Kong

  private kong(instance: Instance): ProxyConfig {
    const egress = instance.ports.egress;
    if (egress === undefined) throw new ResolveError(`Kong ${instance.key} has no sidecar to send its traffic through`);
    const [meshPort, port] = Object.entries(instance.ports.listeners)[0] ?? [];
    if (port === undefined) throw new ResolveError(`Kong ${instance.key} has no proxy port`);
    return {
      ...this.base(instance, 'ingress', 'kong', 'kong'),
      listeners: [
        {
          name: 'kong_proxy',
          protocol: 'http',
          host: this.listenAddress,
          port,
          statAddress: `0.0.0.0_${meshPort}`,
          statPrefix: 'kong',
          virtualHosts: [],
          unmatched: 'not-found',
        },
      ],
      clusters: [],
      kong: kongConfig(this.world, instance.cluster, { host: '127.0.0.1', port: egress }),
    };
  }
}

/** The authorities a virtual service answers to: its name, and name:port for each listener. */
function domainsFor(awsName: string, ports: number[]): string[] {
  return [awsName, ...ports.map((p) => `${awsName}:${p}`)];
}
