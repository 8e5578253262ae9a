/**
 * Istio's service registry and the outbound clusters a proxy gets from it: Services merged by
 * host across the clusters of one mesh, subsets from the DestinationRule a client sees, and the
 * rule's traffic policy as circuit breakers, outlier detection and the TLS the client originates.
 */
import type { Instance } from '../control-plane/world.js';
import type { ClusterSettings, OutlierDetectionSettings } from '../proxy/cluster.js';
import type { DestinationTls, MeshTls } from './istio-mtls.js';
import { durationMs, fail, fqdn, hostFqdn, isJson, labelsMatch, labelsOf, onlyKnown, servicePorts, specOf, type Json, type ServicePort } from './istio-objects.js';
import type { Sourced } from './rendered-files.js';
import type { TargetWorld } from './target-world.js';

/** Istio's root namespace: mesh-wide Sidecar, Telemetry and DestinationRule defaults live there. */
export const ROOT_NAMESPACE = 'istio-system';

export interface MeshService {
  fqdn: string;
  name: string;
  namespace: string;
  /** By port number, from the first cluster that declares it. */
  ports: ServicePort[];
  sources: Sourced[];
  /** Pods its selector picks, in every cluster of the mesh. */
  pods: Instance[];
}

/** The mesh ID a cluster's istiod was installed with (Istio's default is the trust domain). */
export function meshIdOf(world: TargetWorld, cluster: string): string {
  const values = world.clusters.find((c) => c.name === cluster)?.istiodValues?.values;
  const global = isJson(values?.global) ? values.global : {};
  return typeof global.meshID === 'string' ? global.meshID : 'cluster.local';
}

/**
 * The Services a cluster's istiod knows: its own and, with remote secrets (multi-primary), those
 * of every cluster of the same mesh, merged by host — a Service with the same name and namespace
 * in two clusters is one service whose endpoints are both clusters' pods. Istio's east-west
 * gateways are not run locally: a local proxy reaches the other cluster's pods directly, which is
 * where the east-west gateway would have taken the connection. Services in istio-system are left
 * out, since Istio's own Deployments are not run either.
 */
export function registryOf(world: TargetWorld, cluster: string): Map<string, MeshService> {
  const mesh = meshIdOf(world, cluster);
  const out = new Map<string, MeshService>();
  for (const service of world.all('Service')) {
    const namespace = service.object.metadata.namespace ?? 'default';
    if (namespace === ROOT_NAMESPACE || meshIdOf(world, service.cluster) !== mesh) continue;
    const host = fqdn(service.object.metadata.name, namespace);
    const entry = out.get(host) ?? { fqdn: host, name: service.object.metadata.name, namespace, ports: [], sources: [], pods: [] };
    entry.sources.push(service);
    for (const port of servicePorts(service)) if (!entry.ports.some((p) => p.port === port.port)) entry.ports.push(port);
    entry.pods.push(...world.podsOf(service));
    out.set(host, entry);
  }
  return out;
}

/** Where a pod receives mesh traffic: its sidecar's inbound listener, else its own port. */
export function endpointOf(pod: Instance): { host: string; port: number } | undefined {
  if (pod.ports.ingress !== undefined) return { host: '127.0.0.1', port: pod.ports.ingress };
  return pod.upstream;
}

export const outboundCluster = (port: number, subset: string | undefined, host: string) => `outbound|${port}|${subset ?? ''}|${host}`;

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : pattern === host;
}

interface Rule {
  subsets: Json[];
  trafficPolicy?: Json;
  source?: Sourced;
}

/**
 * The DestinationRule a client uses for a host: one with a workloadSelector matching the client,
 * in its namespace, replaces one without; then the client's namespace, the service's, and the
 * root namespace, in that order. Rules without a selector for the same host in one namespace are
 * merged as Istio merges them: subsets added, the first traffic policy kept.
 */
export function destinationRule(world: TargetWorld, client: Instance, service: MeshService): Rule {
  const candidates = world
    .all('DestinationRule', client.cluster)
    .filter((dr) => typeof specOf(dr).host === 'string' && hostMatches(hostFqdn(specOf(dr).host as string, dr.object.metadata.namespace), service.fqdn));
  const labels = labelsOf(client);
  const inNamespace = (ns: string | undefined) => candidates.filter((dr) => dr.object.metadata.namespace === ns);
  const selected = inNamespace(client.namespace).filter((dr) => {
    const selector = specOf(dr).workloadSelector;
    return isJson(selector) && labelsMatch(selector.matchLabels, labels);
  });
  const plain = (ns: string | undefined) => inNamespace(ns).filter((dr) => specOf(dr).workloadSelector === undefined);
  const level = [selected, plain(client.namespace), plain(service.namespace), plain(ROOT_NAMESPACE)].find((l) => l.length > 0) ?? [];
  const rule: Rule = { subsets: [] };
  for (const dr of level) {
    const spec = specOf(dr);
    onlyKnown(dr, spec, ['host', 'subsets', 'trafficPolicy', 'workloadSelector', 'exportTo'], 'spec');
    rule.source ??= dr;
    if (!rule.trafficPolicy && isJson(spec.trafficPolicy)) rule.trafficPolicy = spec.trafficPolicy;
    for (const subset of Array.isArray(spec.subsets) ? spec.subsets : []) {
      if (isJson(subset) && !rule.subsets.some((s) => s.name === subset.name)) rule.subsets.push(subset);
    }
  }
  return rule;
}

/**
 * The cluster for (host, subset, port) as this client sees it, or undefined when the subset is
 * not defined — Istio then has no such cluster and answers 503 (NC), which the local proxy does
 * too for a route naming a cluster it was not given.
 */
export function outboundSettings(
  world: TargetWorld,
  client: Instance,
  service: MeshService,
  port: number,
  subsetName: string | undefined,
  mtls: MeshTls,
): ClusterSettings | undefined {
  const rule = destinationRule(world, client, service);
  let pods = service.pods;
  let policy = rule.trafficPolicy;
  if (subsetName !== undefined) {
    const subset = rule.subsets.find((s) => s.name === subsetName);
    if (!subset) return undefined;
    pods = pods.filter((pod) => labelsMatch(subset.labels, labelsOf(pod)));
    // A subset's policy overrides the rule's field by field (connectionPool, outlierDetection…).
    if (isJson(subset.trafficPolicy)) policy = { ...(policy ?? {}), ...subset.trafficPolicy };
  }
  const settings: ClusterSettings = {
    name: outboundCluster(port, subsetName, service.fqdn),
    // The subset is what a DestinationRule names and a VirtualService routes to.
    label: subsetName ? `${service.name} ${subsetName}` : service.name,
    endpoints: pods.flatMap((pod) => {
      const endpoint = endpointOf(pod);
      return endpoint ? [endpoint] : [];
    }),
  };
  const resolved = policy && rule.source ? trafficPolicy(rule.source, policy, port) : { settings: {}, tls: {} };
  const tls = mtls.outbound(client, service, pods, resolved.tls);
  return { ...settings, ...resolved.settings, ...(tls ? { tls } : {}) };
}

/** Load balancers the local round robin stands in for: they spread requests over the same endpoints. */
const BALANCERS = new Set(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'UNSPECIFIED']);

function trafficPolicy(source: Sourced, destinationLevel: Json, port: number): { settings: Partial<ClusterSettings>; tls: DestinationTls } {
  let policy = destinationLevel;
  const portLevel = (Array.isArray(policy.portLevelSettings) ? policy.portLevelSettings : []).find(
    (p): p is Json => isJson(p) && isJson(p.port) && p.port.number === port,
  );
  // Port-level settings replace the destination-level ones they name, without inheriting them.
  if (portLevel) policy = { ...policy, ...portLevel };
  onlyKnown(source, policy, ['connectionPool', 'outlierDetection', 'loadBalancer', 'tls', 'portLevelSettings', 'port'], 'trafficPolicy');
  const out: Partial<ClusterSettings> = {};
  const pool = isJson(policy.connectionPool) ? policy.connectionPool : {};
  const tcp = isJson(pool.tcp) ? pool.tcp : {};
  const http = isJson(pool.http) ? pool.http : {};
  // Keepalive probes change nothing a local request can observe; the other limits would.
  onlyKnown(source, tcp, ['maxConnections', 'connectTimeout', 'tcpKeepalive'], 'trafficPolicy.connectionPool.tcp');
  onlyKnown(source, http, ['http1MaxPendingRequests', 'h2UpgradePolicy', 'useClientProtocol'], 'trafficPolicy.connectionPool.http');
  if (typeof tcp.maxConnections === 'number') out.maxConnections = tcp.maxConnections;
  if (tcp.connectTimeout !== undefined) out.connectTimeoutMs = durationMs(source, tcp.connectTimeout, 'connectionPool.tcp.connectTimeout');
  if (typeof http.http1MaxPendingRequests === 'number') out.maxPendingRequests = http.http1MaxPendingRequests;
  if (isJson(policy.outlierDetection)) {
    const od = outlier(source, policy.outlierDetection);
    if (od) out.outlierDetection = od;
  }
  if (isJson(policy.loadBalancer)) {
    const lb = policy.loadBalancer;
    onlyKnown(source, lb, ['simple'], 'trafficPolicy.loadBalancer');
    // Istio's default is LEAST_REQUEST; the local proxy balances round robin over the same
    // endpoints, which the walkthroughs' splits (between clusters, by weight) do not depend on.
    if (typeof lb.simple === 'string' && !BALANCERS.has(lb.simple)) fail(source, `loadBalancer.simple ${lb.simple} is not implemented locally`, 'use ROUND_ROBIN or LEAST_REQUEST');
  }
  return { settings: out, tls: isJson(policy.tls) ? destinationTls(source, policy.tls) : {} };
}

/**
 * ISTIO_MUTUAL and DISABLE are the mesh's own certificates or none. SIMPLE and MUTUAL name
 * certificates from files or Secrets (credentialName) the local mesh does not have: refused.
 */
function destinationTls(source: Sourced, tls: Json): DestinationTls {
  const mode = tls.mode;
  if (mode === undefined) return {};
  if (mode !== 'ISTIO_MUTUAL' && mode !== 'DISABLE') {
    fail(source, `trafficPolicy.tls mode ${String(mode)} originates TLS with certificates from files the local mesh does not have`, 'use ISTIO_MUTUAL or DISABLE (or remove tls)');
  }
  const names = Array.isArray(tls.subjectAltNames) ? tls.subjectAltNames.filter((n): n is string => typeof n === 'string') : [];
  return { mode, ...(mode === 'ISTIO_MUTUAL' && names.length > 0 ? { subjectAltNames: names } : {}) };
}

function outlier(source: Sourced, od: Json): OutlierDetectionSettings | undefined {
  // minHealthPercent is Envoy's panic threshold, which the local proxy keeps at its own 50 %.
  onlyKnown(source, od, ['consecutive5xxErrors', 'interval', 'baseEjectionTime', 'maxEjectionPercent', 'minHealthPercent'], 'trafficPolicy.outlierDetection');
  const errors = typeof od.consecutive5xxErrors === 'number' ? od.consecutive5xxErrors : 5;
  if (errors <= 0) return undefined;
  return {
    maxServerErrors: errors,
    intervalMs: od.interval === undefined ? 10_000 : durationMs(source, od.interval, 'outlierDetection.interval'),
    baseEjectionMs: od.baseEjectionTime === undefined ? 30_000 : durationMs(source, od.baseEjectionTime, 'outlierDetection.baseEjectionTime'),
    maxEjectionPercent: typeof od.maxEjectionPercent === 'number' ? od.maxEjectionPercent : 10,
  };
}
