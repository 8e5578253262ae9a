/**
 * The local control plane for a walkthrough's rendered Istio files: what istiod would push to each
 * proxy, computed from the files only (never from the App Mesh definition). A sidecar gets an
 * inbound listener before its app, an outbound listener (the app's HTTP_PROXY) with a virtual host
 * per Service port it may see, and a TCP listener per Postgres/Redis backend; an ingress gateway
 * pod gets a listener per Gateway server port with the routes of the VirtualServices bound to it;
 * Kong gets its routes from the Ingress objects, as with App Mesh.
 *
 * The proxies talk mutual TLS to each other as Istio's do (istio-mtls.ts): each holds its service
 * account's SPIFFE certificate from the run's mesh CA; a sidecar's inbound accepts what its
 * PeerAuthentication says (PERMISSIVE by default: TLS or plain text on one port), and a cluster
 * whose endpoints all have sidecars originates mutual TLS (auto mTLS) unless its DestinationRule
 * or the destination's namespace says DISABLE, checking the server is one of the destination
 * pods' service accounts.
 *
 * Not implemented, and said so where it matters: DestinationRule TLS with certificates of its own
 * (SIMPLE, MUTUAL: refused), Istio's LEAST_REQUEST balancing (round robin locally), partial trace
 * sampling (a sampled workload traces every request), east-west gateways (not run).
 */
import { KongConfigError, kongConfig } from '../control-plane/kong.js';
import { proxyId, ResolveError, type ResolveOptions } from '../control-plane/resolve.js';
import type { Instance } from '../control-plane/world.js';
import type { ClusterSettings } from '../proxy/cluster.js';
import type { HttpListenerConfig, ListenerConfig, PassthroughTarget, ProxyConfig } from '../proxy/config.js';
import type { VirtualHost } from '../proxy/routing.js';
import { endpointOf, meshIdOf, outboundCluster, outboundSettings, registryOf, type MeshService } from './istio-clusters.js';
import { gatewayHosts } from './istio-gateway.js';
import { dnsForms, fail, hostFqdn, isJson, labelsOf, portProtocol, specOf, stringList } from './istio-objects.js';
import { defaultRoute, httpRoutes, type RouteScope } from './istio-routes.js';
import { MeshTls, type IstioMeshCertificates } from './istio-mtls.js';
import { checkPeerAuthentications, sidecarScope, telemetryScope } from './istio-scope.js';
import type { Sourced } from './rendered-files.js';
import type { TargetWorld } from './target-world.js';

export interface IstioResolveOptions extends ResolveOptions {
  /** The mesh root and every in-mesh pod's workload certificate, issued before resolving (IstioMeshCa). */
  mesh: IstioMeshCertificates;
}

export function resolveIstio(world: TargetWorld, options: IstioResolveOptions): ProxyConfig[] {
  // Every PeerAuthentication is checked once, whichever pods it selects: a bad file fails the run.
  checkPeerAuthentications(world);
  const mtls = new MeshTls(world, options.mesh);
  // What each cluster's istiod knows of the Services: the same for every proxy of the cluster.
  const registries = new Map(world.clusters.map((c) => [c.name, registryOf(world, c.name)]));
  const configs: ProxyConfig[] = [];
  for (const instance of world.instances) {
    const proxy = new IstioProxy(world, options, mtls, instance, registries.get(instance.cluster)!);
    if (instance.identity?.kind === 'VirtualNode') configs.push(proxy.sidecar());
    if (instance.identity?.kind === 'VirtualGateway') configs.push(proxy.gateway());
    if (instance.workload.spec.component === 'kong') configs.push(proxy.kong());
  }
  return configs;
}

/** One proxy's configuration, with the clusters its routes name collected as they are named. */
class IstioProxy {
  private readonly clusters = new Map<string, ClusterSettings>();
  private readonly listenAddress: string;

  constructor(
    private readonly world: TargetWorld,
    private readonly options: ResolveOptions,
    private readonly mtls: MeshTls,
    private readonly instance: Instance,
    private readonly registry: Map<string, MeshService>,
  ) {
    this.listenAddress = options.listenAddress ?? '127.0.0.1';
  }

  private base(kind: ProxyConfig['node']['kind'], suffix: 'envoy' | 'kong'): Pick<ProxyConfig, 'version' | 'node' | 'passthrough'> {
    const { instance } = this;
    return {
      version: this.options.version,
      node: {
        id: proxyId(instance, suffix),
        // Envoy's node cluster under Istio: `<workload>.<namespace>`.
        resourceArn: `${instance.workload.metadata.name}.${instance.namespace ?? 'default'}`,
        mesh: meshIdOf(this.world, instance.cluster),
        kind,
        cluster: instance.cluster,
      },
      passthrough: {},
    };
  }

  /** Adds the cluster a destination means, by Istio's name, and returns that name. */
  private destination(vs: Sourced, host: string, subset: string | undefined, port: number | undefined, scopePort?: number): string {
    const target = hostFqdn(host, vs.object.metadata.namespace);
    const service = this.registry.get(target);
    if (!service) fail(vs, `a route sends to ${host}, which names no Kubernetes Service in the rendered files`, `add the Service or route to an existing one (${[...this.registry.keys()].join(', ')})`);
    const chosen =
      port ?? (service.ports.length === 1 ? service.ports[0]!.port : scopePort !== undefined && service.ports.some((p) => p.port === scopePort) ? scopePort : undefined);
    if (chosen === undefined) fail(vs, `a route to ${host} gives no port and the Service has ${service.ports.length}`, 'add destination.port.number');
    const settings = outboundSettings(this.world, this.instance, service, chosen, subset, this.mtls);
    if (settings) this.clusters.set(settings.name, settings);
    return outboundCluster(chosen, subset, service.fqdn);
  }

  private scope(gateways: string[], port: number): RouteScope {
    return {
      labels: labelsOf(this.instance),
      namespace: this.instance.namespace,
      gateways,
      port,
      destination: (vs, host, subset, p) => this.destination(vs, host, subset, p, port),
    };
  }

  private observed(config: ProxyConfig): ProxyConfig {
    const telemetry = telemetryScope(this.world, this.instance);
    if (telemetry.tracing && this.options.xrayDaemon) {
      // Istio names a workload's spans `<app label or workload>.<namespace>` (APP_LABEL_AND_NAMESPACE).
      const app = labelsOf(this.instance).app ?? this.instance.workload.metadata.name;
      config.tracing = { daemonAddress: this.options.xrayDaemon, segmentName: `${app}.${this.instance.namespace ?? 'default'}` };
    }
    if (telemetry.accessLogPath) for (const listener of config.listeners) listener.accessLogPath = telemetry.accessLogPath;
    return config;
  }

  // ---------------------------------------------------------------------------------------------
  // Sidecars

  sidecar(): ProxyConfig {
    const { instance } = this;
    const scope = sidecarScope(this.world, instance);
    const listeners: ListenerConfig[] = [];
    const inbound = this.inbound();
    if (inbound) listeners.push(inbound);

    const virtualHosts: VirtualHost[] = [];
    const visible = [...this.registry.values()].filter((s) => scope.sees(s.namespace, s.fqdn));
    for (const service of visible) {
      const http = service.ports.filter((p) => portProtocol(p) === 'http');
      // Without a port a request means port 80; the bare names go to that port, else the first.
      const primary = (http.find((p) => p.port === 80) ?? http[0])?.port;
      for (const port of http) {
        const vs = this.meshVirtualService(service, scope.sees);
        const routes = vs ? httpRoutes(vs, specOf(vs).http, this.scope(['mesh'], port.port)) : [defaultRoute(this.destination(service.sources[0]!, service.fqdn, undefined, port.port))];
        const domains = dnsForms(service.name, service.namespace, instance.namespace, [port.port], port.port === primary);
        virtualHosts.push({ name: `${service.fqdn}:${port.port}`, domains, routes });
      }
    }
    if (instance.ports.egress !== undefined) {
      listeners.push({
        name: 'virtualOutbound',
        protocol: 'http',
        host: this.listenAddress,
        port: instance.ports.egress,
        statAddress: '0.0.0.0_15001',
        statPrefix: 'egress',
        virtualHosts,
        // REGISTRY_ONLY: Istio's block_all virtual host answers 502; ALLOW_ALL: its PassthroughCluster.
        unmatched: scope.mode === 'REGISTRY_ONLY' ? 'blackhole' : 'passthrough',
      } satisfies HttpListenerConfig);
    }
    listeners.push(...this.tcpOutbound(scope.sees, scope.mode));
    return this.observed({
      ...this.base('sidecar', 'envoy'),
      listeners,
      clusters: [...this.clusters.values()],
      passthrough: scope.mode === 'ALLOW_ALL' ? this.passthrough() : {},
    });
  }

  /**
   * The Services selecting this pod: the first one's first port says what the app speaks. Its
   * PeerAuthentication, for that port, says whether callers must, may or must not use mutual TLS.
   */
  private inbound(): ListenerConfig | undefined {
    const { instance } = this;
    if (instance.ports.ingress === undefined || !instance.upstream) return undefined;
    const own = [...this.registry.values()].find((s) => s.pods.includes(instance));
    const port = own?.ports[0];
    const protocol = port ? portProtocol(port) : 'http';
    // Istio names the inbound cluster by the pod's port: the Service's numeric targetPort, else its port.
    const podPort = typeof port?.targetPort === 'number' ? port.targetPort : (port?.port ?? instance.upstream.port);
    const name = `inbound|${podPort}||`;
    this.clusters.set(name, { name, endpoints: [instance.upstream] });
    const tls = this.mtls.inbound(instance, podPort);
    const common = { name: 'virtualInbound', host: this.listenAddress, port: instance.ports.ingress, statAddress: '0.0.0.0_15006', ...(tls ? { tls } : {}) };
    if (protocol === 'tcp') return { ...common, protocol: 'tcp', statPrefix: name, clusters: [{ cluster: name, weight: 1 }] };
    return {
      ...common,
      protocol: 'http',
      statPrefix: 'ingress',
      unmatched: 'not-found',
      ...(port ? { meshPort: port.port } : {}),
      virtualHosts: [{ name: 'inbound|http', domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, clusters: [{ cluster: name, weight: 1 }], timeoutMs: 0 }] }],
    };
  }

  /** The one VirtualService that applies to a host on sidecars (not bound only to gateways). */
  private meshVirtualService(service: MeshService, sees: (namespace: string, host: string) => boolean): Sourced | undefined {
    const found = this.world.all('VirtualService', this.instance.cluster).filter((vs) => {
      const spec = specOf(vs);
      const ns = vs.object.metadata.namespace ?? 'default';
      const gateways = spec.gateways === undefined ? ['mesh'] : stringList(spec.gateways);
      const exportTo = spec.exportTo === undefined ? ['*'] : stringList(spec.exportTo);
      const exported = exportTo.includes('*') || exportTo.includes(this.instance.namespace ?? '') || (exportTo.includes('.') && ns === this.instance.namespace);
      return gateways.includes('mesh') && exported && sees(ns, service.fqdn) && stringList(spec.hosts).some((h) => hostFqdn(h, ns) === service.fqdn);
    });
    for (const vs of found) {
      if (isJson(specOf(vs)) && (specOf(vs).tcp !== undefined || specOf(vs).tls !== undefined)) fail(vs, 'tcp and tls routes are not implemented locally', 'route TCP services without a VirtualService');
    }
    if (found.length > 1) {
      throw new ResolveError(`${found.map((vs) => `VirtualService ${vs.object.metadata.namespace}/${vs.object.metadata.name} (${vs.file})`).join(' and ')} both route ${service.fqdn}; Istio would use only the older one: merge them into one`);
    }
    return found[0];
  }

  /** Postgres and Redis: the app's local port for each stands for the iptables capture of its connections. */
  private tcpOutbound(sees: (namespace: string, host: string) => boolean, mode: 'ALLOW_ALL' | 'REGISTRY_ONLY'): ListenerConfig[] {
    const { instance } = this;
    return this.world.tcpBackends(instance).map(({ port, host }) => {
      const found = this.world.serviceByHost(instance.cluster, host, instance.namespace);
      const name = found?.object.metadata.name ?? host.split('.')[0]!;
      const namespace = found?.object.metadata.namespace ?? (host.split('.')[1] || instance.namespace || 'default');
      const service = this.registry.get(hostFqdn(name, namespace));
      if (!service || service.ports.length === 0) {
        throw new ResolveError(`workload ${instance.key} connects to ${host}, which names no Kubernetes Service with a port in the rendered files; add the Service`);
      }
      const servicePort = service.ports[0]!.port;
      const cluster = outboundCluster(servicePort, undefined, service.fqdn);
      // REGISTRY_ONLY hides a host the Sidecar does not list: Istio's BlackHoleCluster closes the connection.
      const target = sees(service.namespace, service.fqdn) || mode === 'ALLOW_ALL' ? cluster : 'BlackHoleCluster';
      if (target === cluster) {
        const settings = outboundSettings(this.world, instance, service, servicePort, undefined, this.mtls);
        if (settings) this.clusters.set(settings.name, settings);
      }
      return { name: `${service.fqdn}_${servicePort}`, protocol: 'tcp' as const, host: this.listenAddress, port, statAddress: `${service.fqdn}_${servicePort}`, statPrefix: cluster, clusters: [{ cluster: target, weight: 1 }] };
    });
  }

  /** ALLOW_ALL: what the pod's DNS and kube-proxy give a Service name, reaching this cluster's pods only. */
  private passthrough(): Record<string, PassthroughTarget[]> {
    const out: Record<string, PassthroughTarget[]> = {};
    for (const service of this.world.all('Service', this.instance.cluster)) {
      const { name, namespace = 'default' } = service.object.metadata;
      const endpoints = this.world.podsOf(service).flatMap((pod) => {
        const endpoint = endpointOf(pod);
        return endpoint ? [endpoint] : [];
      });
      for (const host of dnsForms(name, namespace, this.instance.namespace, [], true)) {
        for (const port of isJson(service.object.spec) && Array.isArray(service.object.spec.ports) ? service.object.spec.ports : []) {
          if (isJson(port) && typeof port.port === 'number') out[`${host}:${port.port}`] = endpoints;
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Ingress gateway pods

  gateway(): ProxyConfig {
    const { instance } = this;
    const servers = gatewayHosts(this.world, instance);
    const listeners: ListenerConfig[] = [];
    for (const [meshPort, hosts] of servers) {
      const port = instance.ports.listeners[meshPort];
      if (port === undefined) continue;
      const virtualHosts = new Map<string, VirtualHost>();
      for (const { vs, domain, gateways } of hosts) {
        const routes = httpRoutes(vs, specOf(vs).http, this.scope(gateways, meshPort));
        const existing = virtualHosts.get(domain);
        // VirtualServices bound to one gateway host are merged, in file order.
        if (existing) existing.routes.push(...routes);
        else virtualHosts.set(domain, { name: `${domain}:${meshPort}`, domains: domain === '*' ? ['*'] : [domain, `${domain}:${meshPort}`], routes });
      }
      listeners.push({
        name: `0.0.0.0_${meshPort}`,
        protocol: 'http',
        host: this.listenAddress,
        port,
        statAddress: `0.0.0.0_${meshPort}`,
        statPrefix: 'ingress',
        meshPort,
        virtualHosts: [...virtualHosts.values()],
        unmatched: 'not-found',
      });
    }
    return this.observed({ ...this.base('gateway', 'envoy'), listeners, clusters: [...this.clusters.values()] });
  }

  // ---------------------------------------------------------------------------------------------
  // Kong

  kong(): ProxyConfig {
    const { instance } = this;
    const egress = instance.ports.egress;
    if (egress === undefined) throw new ResolveError(`Kong ${instance.key} has no Istio sidecar to send its traffic through: label its namespace istio-injection=enabled`);
    const [meshPort, port] = Object.entries(instance.ports.listeners)[0] ?? [];
    if (port === undefined) throw new ResolveError(`Kong ${instance.key} has no proxy port`);
    let kong;
    try {
      kong = kongConfig(this.world, instance.cluster, { host: '127.0.0.1', port: egress });
    } catch (error) {
      if (error instanceof KongConfigError) throw new ResolveError(error.message);
      throw error;
    }
    return {
      ...this.base('ingress', 'kong'),
      listeners: [{ name: 'kong_proxy', protocol: 'http', host: this.listenAddress, port, statAddress: `0.0.0.0_${meshPort}`, statPrefix: 'kong', virtualHosts: [], unmatched: 'not-found' }],
      clusters: [],
      kong,
    };
  }
}
