/**
 * Which workload-scoped Istio objects apply to a pod — Sidecar, Telemetry, PeerAuthentication —
 * with Istio's precedence (a workload selector over the namespace's default over the root
 * namespace's), and what they decide: the hosts a sidecar sees, its outbound traffic policy,
 * tracing and access logging, and what its inbound accepts (mutual TLS or plain text).
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

/** What a sidecar's inbound accepts: TLS only, TLS or plain text told apart by the first byte, or plain text. */
export type PeerMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

const PEER_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'];

/** A PeerAuthentication's modes, refused in one line when one is not Istio's. */
function peerModes(pa: Sourced): { mtls: string | undefined; ports: Map<number, string | undefined> } {
  const spec = specOf(pa);
  onlyKnown(pa, spec, ['selector', 'mtls', 'portLevelMtls'], 'spec');
  const modeOf = (value: unknown, where: string): string | undefined => {
    if (value === undefined) return undefined;
    const mode = isJson(value) ? value.mode : undefined;
    if (mode === undefined) return undefined;
    if (typeof mode !== 'string' || !PEER_MODES.includes(mode)) {
      fail(pa, `${where} mode ${JSON.stringify(mode)} is not a PeerAuthentication mode the local mesh knows`, `use ${PEER_MODES.join(', ')}`);
    }
    return mode;
  };
  const ports = new Map<number, string | undefined>();
  for (const [port, value] of Object.entries(isJson(spec.portLevelMtls) ? spec.portLevelMtls : {})) ports.set(Number(port), modeOf(value, `portLevelMtls ${port}`));
  return { mtls: modeOf(spec.mtls, 'mtls'), ports };
}

/** Every PeerAuthentication of the files, checked once whichever pods it selects. */
export function checkPeerAuthentications(world: TargetWorld): void {
  for (const pa of world.all('PeerAuthentication')) peerModes(pa);
}

const decided = (mode: string | undefined): mode is PeerMode => mode !== undefined && mode !== 'UNSET';

/**
 * The mode a pod's sidecar applies on its port `podPort`: a port-level mode of the workload's own
 * policy (Istio honours portLevelMtls only there), else the first of workload, namespace and root
 * namespace that decides (UNSET inherits), else Istio's default, PERMISSIVE.
 */
export function peerAuthenticationMode(world: TargetWorld, pod: Instance, podPort: number | undefined): PeerMode {
  const policies = scoped(world, 'PeerAuthentication', pod);
  const own = policies[0] && selectorLabels(policies[0]) !== undefined ? peerModes(policies[0]) : undefined;
  const portMode = podPort === undefined ? undefined : own?.ports.get(podPort);
  if (decided(portMode)) return portMode;
  return policies.map((pa) => peerModes(pa).mtls).find(decided) ?? 'PERMISSIVE';
}

/**
 * The mode a namespace's pods accept as far as a client's istiod can tell without looking at the
 * pods: the namespace's policy, else the root namespace's, workload policies ignored. Istio's auto
 * mTLS sends plain text to a service in a namespace that says DISABLE, and mutual TLS otherwise.
 */
export function namespacePeerMode(world: TargetWorld, cluster: string, namespace: string): PeerMode {
  const all = world.all('PeerAuthentication', cluster).filter((pa) => selectorLabels(pa) === undefined);
  const levels = [namespace, ...(namespace === ROOT_NAMESPACE ? [] : [ROOT_NAMESPACE])];
  for (const ns of levels) {
    const mode = all.filter((pa) => pa.object.metadata.namespace === ns).map((pa) => peerModes(pa).mtls).find(decided);
    if (mode) return mode;
  }
  return 'PERMISSIVE';
}
