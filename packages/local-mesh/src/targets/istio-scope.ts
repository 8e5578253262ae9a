/**
 * Which workload-scoped Istio objects apply to a pod — Sidecar, Telemetry, PeerAuthentication —
 * with Istio's precedence (a workload selector over the namespace's default over the root
 * namespace's), and what they decide: the hosts a sidecar sees, its outbound traffic policy,
 * tracing and access logging.
 */
import type { Instance } from '../control-plane/world.js';
import { ROOT_NAMESPACE } from './istio-clusters.js';
import { fail, isJson, labelsMatch, labelsOf, onlyKnown, specOf, stringList, type Json } from './istio-objects.js';
import type { Sourced } from './rendered-files.js';
import type { TargetWorld } from './target-world.js';

function selectorLabels(sourced: Sourced): unknown {
  const spec = specOf(sourced);
  // Sidecar says workloadSelector.labels; Telemetry and PeerAuthentication say selector.matchLabels.
  if (isJson(spec.workloadSelector)) return spec.workloadSelector.labels ?? {};
  if (isJson(spec.selector)) return spec.selector.matchLabels ?? {};
  return undefined;
}

/** The objects of a kind that apply to a pod, most specific first: workload, namespace, root. */
function scoped(world: TargetWorld, kind: string, pod: Instance): Sourced[] {
  const all = world.all(kind, pod.cluster);
  const labels = labelsOf(pod);
  const inNs = (ns: string | undefined) => all.filter((o) => o.object.metadata.namespace === ns);
  const workload = inNs(pod.namespace).filter((o) => selectorLabels(o) !== undefined && labelsMatch(selectorLabels(o), labels));
  const namespace = inNs(pod.namespace).filter((o) => selectorLabels(o) === undefined);
  const root = pod.namespace === ROOT_NAMESPACE ? [] : inNs(ROOT_NAMESPACE).filter((o) => selectorLabels(o) === undefined);
  return [...workload, ...namespace, ...root];
}

export interface SidecarScope {
  /** Whether a host in a namespace is visible to the workload (its Sidecar's egress hosts). */
  sees: (namespace: string, host: string) => boolean;
  mode: 'ALLOW_ALL' | 'REGISTRY_ONLY';
}

function meshConfig(world: TargetWorld, cluster: string): Json {
  const values = world.clusters.find((c) => c.name === cluster)?.istiodValues?.values;
  return isJson(values?.meshConfig) ? values.meshConfig : {};
}

/** `ns/host` of a Sidecar's egress: `*` or `.` (its own namespace) or a name; a host, `*` or `*.suffix`. */
function hostPattern(pattern: string, ownNamespace: string | undefined, namespace: string, host: string): boolean {
  const slash = pattern.indexOf('/');
  const ns = slash < 0 ? '*' : pattern.slice(0, slash);
  const name = slash < 0 ? pattern : pattern.slice(slash + 1);
  const nsOk = ns === '*' || (ns === '.' ? namespace === ownNamespace : ns === namespace);
  const hostOk = name === '*' || (name.startsWith('*.') ? host.endsWith(name.slice(1)) : name === host);
  return nsOk && hostOk;
}

export function sidecarScope(world: TargetWorld, pod: Instance): SidecarScope {
  const sidecar = scoped(world, 'Sidecar', pod)[0];
  const meshMode = (() => {
    const policy = meshConfig(world, pod.cluster).outboundTrafficPolicy;
    return isJson(policy) && policy.mode === 'REGISTRY_ONLY' ? 'REGISTRY_ONLY' : 'ALLOW_ALL';
  })();
  if (!sidecar) return { sees: () => true, mode: meshMode };
  const spec = specOf(sidecar);
  onlyKnown(sidecar, spec, ['egress', 'outboundTrafficPolicy', 'workloadSelector'], 'spec');
  const patterns: string[] = [];
  for (const egress of Array.isArray(spec.egress) ? spec.egress : []) {
    if (!isJson(egress)) continue;
    onlyKnown(sidecar, egress, ['hosts'], 'egress');
    patterns.push(...stringList(egress.hosts));
  }
  const policy = isJson(spec.outboundTrafficPolicy) ? spec.outboundTrafficPolicy : {};
  if (policy.egressProxy !== undefined) fail(sidecar, 'outboundTrafficPolicy.egressProxy is not implemented locally', 'remove it');
  const mode = policy.mode === 'REGISTRY_ONLY' ? 'REGISTRY_ONLY' : policy.mode === 'ALLOW_ALL' ? 'ALLOW_ALL' : meshMode;
  // No egress section: Istio's default, every namespace's hosts.
  const sees = spec.egress === undefined ? () => true : (namespace: string, host: string) => patterns.some((p) => hostPattern(p, sidecar.object.metadata.namespace, namespace, host));
  return { sees, mode };
}

export interface TelemetryScope {
  tracing: boolean;
  accessLogPath?: string;
}

/** Telemetry merged by field, the more specific object winning, and meshConfig's access log file. */
export function telemetryScope(world: TargetWorld, pod: Instance): TelemetryScope {
  const objects = scoped(world, 'Telemetry', pod);
  const field = (name: string) => objects.map((o) => specOf(o)[name]).find((v) => v !== undefined);
  const providers = meshConfig(world, pod.cluster).extensionProviders;
  const known = new Set(['envoy', ...(Array.isArray(providers) ? providers.flatMap((p: unknown) => (isJson(p) && typeof p.name === 'string' ? [p.name] : [])) : [])]);
  const configured = (entries: unknown) =>
    (Array.isArray(entries) ? entries : []).some(
      (e: unknown) => isJson(e) && e.disabled !== true && e.disableSpanReporting !== true && e.randomSamplingPercentage !== 0 && (Array.isArray(e.providers) ? e.providers : []).some((p: unknown) => isJson(p) && known.has(String(p.name))),
    );
  const accessLogFile = meshConfig(world, pod.cluster).accessLogFile;
  const logs = configured(field('accessLogging')) || (typeof accessLogFile === 'string' && accessLogFile !== '');
  return {
    tracing: configured(field('tracing')),
    ...(logs ? { accessLogPath: typeof accessLogFile === 'string' && accessLogFile !== '' ? accessLogFile : '/dev/stdout' } : {}),
  };
}

/**
 * Mutual TLS between the local proxies is not implemented: they talk plain text, which Istio's
 * PERMISSIVE mode (the walkthroughs' choice) also accepts, so callers see the same answers. STRICT
 * would refuse callers outside the mesh, which the local mesh cannot reproduce: it is refused.
 */
export function checkPeerAuthentication(world: TargetWorld, pod: Instance): void {
  for (const pa of scoped(world, 'PeerAuthentication', pod)) {
    const spec = specOf(pa);
    const modes = [spec.mtls, ...(isJson(spec.portLevelMtls) ? Object.values(spec.portLevelMtls) : [])].map((m) => (isJson(m) ? m.mode : undefined));
    if (modes.includes('STRICT')) fail(pa, 'mtls mode STRICT is not implemented locally (the local proxies talk plain text to each other)', 'use PERMISSIVE to run it locally');
  }
}
