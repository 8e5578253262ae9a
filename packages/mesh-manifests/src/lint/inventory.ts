/**
 * Everything the rules ask of a set of manifests, indexed once: objects by kind, namespace and
 * name; pod templates of every workload kind; which pods a VirtualNode or VirtualGateway
 * selects; which mesh a namespace belongs to; how a DNS name maps to a Service.
 */
import { asArray, asNumber, asRecord, asString, isRecord, stringMap, type Json } from './access.js';
import { isCloudFormationTemplate } from './load.js';
import { APPMESH_GROUP, isAppMeshKind, isClusterScoped } from './kinds.js';
import { selects, serviceSelects, type Labels } from './selectors.js';
import type { FieldPath, K8sObject, LintInput, ObjectId, SourceRef } from './types.js';

export interface Entry {
  object: K8sObject;
  source: SourceRef;
  apiVersion: string;
  kind: string;
  name: string;
  /** Undefined for cluster-scoped kinds. */
  namespace: string | undefined;
  spec: Json;
  labels: Labels;
  annotations: Labels;
}

export interface PortInfo {
  containerPort: number;
  name?: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  path: FieldPath;
}

export interface ContainerInfo {
  name: string;
  image?: string;
  ports: PortInfo[];
  env: EnvVar[];
  /** `command` and `args` entries, with their paths. */
  commandLine: { value: string; path: FieldPath }[];
  /** Path from the owning object to this container. */
  path: FieldPath;
}

export interface PodTemplate {
  owner: Entry;
  namespace: string;
  labels: Labels;
  annotations: Labels;
  containers: ContainerInfo[];
  /** Path from the owning object to the pod template's metadata. */
  metadataPath: FieldPath;
}

export interface CloudFormationTemplate {
  template: Json;
  source: SourceRef;
}

/** Where each workload kind keeps its pod template. */
const POD_TEMPLATE_PATHS: Record<string, FieldPath> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

function normalise(input: LintInput): { object: K8sObject; source: SourceRef } {
  if (isRecord(input) && 'object' in input && 'source' in input && isRecord(input.object)) {
    return input as { object: K8sObject; source: SourceRef };
  }
  return { object: input as K8sObject, source: {} };
}

function readContainers(spec: Json, prefix: FieldPath): ContainerInfo[] {
  const out: ContainerInfo[] = [];
  for (const field of ['initContainers', 'containers'] as const) {
    asArray(spec[field]).forEach((raw, index) => {
      const c = asRecord(raw);
      const path = [...prefix, 'spec', field, index];
      const ports: PortInfo[] = [];
      for (const p of asArray(c.ports)) {
        const port = asNumber(asRecord(p).containerPort);
        const name = asString(asRecord(p).name);
        if (port !== undefined) ports.push(name === undefined ? { containerPort: port } : { containerPort: port, name });
      }
      const env: EnvVar[] = [];
      asArray(c.env).forEach((e, envIndex) => {
        const name = asString(asRecord(e).name);
        if (!name) return;
        const rawValue = asRecord(e).value;
        const value = rawValue === undefined || rawValue === null ? undefined : String(rawValue);
        env.push({ name, ...(value === undefined ? {} : { value }), path: [...path, 'env', envIndex, 'value'] });
      });
      const commandLine: { value: string; path: FieldPath }[] = [];
      for (const key of ['command', 'args'] as const) {
        asArray(c[key]).forEach((v, i) => {
          if (typeof v === 'string') commandLine.push({ value: v, path: [...path, key, i] });
        });
      }
      const image = asString(c.image);
      out.push({ name: asString(c.name) ?? `${field}[${index}]`, ...(image ? { image } : {}), ports, env, commandLine, path });
    });
  }
  return out;
}

export class Inventory {
  readonly entries: Entry[] = [];
  readonly templates: CloudFormationTemplate[] = [];
  readonly pods: PodTemplate[] = [];
  private readonly byKey = new Map<string, Entry[]>();
  private readonly podCache = new Map<Entry, PodTemplate[]>();

  constructor(inputs: readonly LintInput[], defaultNamespace = 'default') {
    for (const input of inputs) {
      const { object, source } = normalise(input);
      if (typeof object.kind !== 'string') {
        if (isCloudFormationTemplate(object)) this.templates.push({ template: object as Json, source });
        continue;
      }
      const metadata = asRecord(object.metadata);
      const kind = object.kind;
      const entry: Entry = {
        object,
        source,
        apiVersion: asString(object.apiVersion) ?? '',
        kind,
        name: asString(metadata.name) ?? '(unnamed)',
        namespace: isClusterScoped(kind) ? undefined : (asString(metadata.namespace) ?? defaultNamespace),
        spec: asRecord(object.spec),
        labels: stringMap(metadata.labels),
        annotations: stringMap(metadata.annotations),
      };
      this.entries.push(entry);
      const key = this.key(kind, entry.namespace, entry.name);
      this.byKey.set(key, [...(this.byKey.get(key) ?? []), entry]);
      const templatePath = POD_TEMPLATE_PATHS[kind];
      if (templatePath && entry.namespace !== undefined) this.addPodTemplate(entry, templatePath);
    }
  }

  private key(kind: string, namespace: string | undefined, name: string): string {
    return `${kind}\u0000${namespace ?? ''}\u0000${name}`;
  }

  private addPodTemplate(owner: Entry, prefix: FieldPath): void {
    let template: unknown = owner.object;
    for (const key of prefix) template = asRecord(template)[key as string];
    const t = asRecord(template);
    const metadata = asRecord(t.metadata);
    this.pods.push({
      owner,
      namespace: owner.namespace as string,
      labels: stringMap(metadata.labels),
      annotations: stringMap(metadata.annotations),
      containers: readContainers(asRecord(t.spec), prefix),
      metadataPath: [...prefix, 'metadata'],
    });
  }

  /** App Mesh objects of a kind (an Istio `VirtualService` is not one). */
  mesh(kind: string): Entry[] {
    return this.entries.filter((e) => e.kind === kind && isAppMeshKind(e.apiVersion));
  }

  ofKind(kind: string): Entry[] {
    return this.entries.filter((e) => e.kind === kind);
  }

  find(kind: string, namespace: string | undefined, name: string): Entry | undefined {
    const found = this.byKey.get(this.key(kind, namespace, name));
    if (!found) return undefined;
    if (['Mesh', 'VirtualNode', 'VirtualService', 'VirtualRouter', 'VirtualGateway', 'GatewayRoute', 'BackendGroup'].includes(kind)) {
      return found.find((e) => e.apiVersion.startsWith(`${APPMESH_GROUP}/`));
    }
    return found[0];
  }

  namespaceEntry(namespace: string): Entry | undefined {
    return this.find('Namespace', undefined, namespace);
  }

  /** Every namespace the inputs mention, declared or used. */
  knownNamespaces(): Set<string> {
    const names = new Set<string>();
    for (const e of this.entries) {
      if (e.kind === 'Namespace') names.add(e.name);
      if (e.namespace !== undefined) names.add(e.namespace);
    }
    return names;
  }

  services(namespace: string): Entry[] {
    return this.entries.filter((e) => e.kind === 'Service' && e.namespace === namespace);
  }

  /** Pod templates a VirtualNode's or VirtualGateway's `podSelector` matches (absent selects none). */
  podsOf(selectorOwner: Entry): PodTemplate[] {
    const cached = this.podCache.get(selectorOwner);
    if (cached) return cached;
    const selector = selectorOwner.spec.podSelector;
    const pods = this.pods.filter((p) => p.namespace === selectorOwner.namespace && selects(selector, p.labels));
    this.podCache.set(selectorOwner, pods);
    return pods;
  }

  /** Pod templates a Service's `spec.selector` matches. */
  podsOfService(service: Entry): PodTemplate[] {
    return this.pods.filter((p) => p.namespace === service.namespace && serviceSelects(service.spec.selector, p.labels));
  }

  /** VirtualNodes selecting a pod template. */
  nodesOfPod(pod: PodTemplate): Entry[] {
    return this.mesh('VirtualNode').filter((vn) => vn.namespace === pod.namespace && selects(vn.spec.podSelector, pod.labels));
  }

  gatewaysOfPod(pod: PodTemplate): Entry[] {
    return this.mesh('VirtualGateway').filter((vg) => vg.namespace === pod.namespace && selects(vg.spec.podSelector, pod.labels));
  }

  /** Meshes whose namespaceSelector selects a namespace; undefined when the Namespace is not in the inputs. */
  meshesSelecting(namespace: string): Entry[] | undefined {
    const ns = this.namespaceEntry(namespace);
    if (!ns) return undefined;
    return this.mesh('Mesh').filter((m) => selects(m.spec.namespaceSelector, ns.labels));
  }

  /**
   * The mesh an object belongs to: the one mesh selecting its namespace, or — when the
   * Namespace is not in the inputs — the only Mesh there is.
   */
  meshOf(entry: Entry): Entry | undefined {
    if (entry.namespace === undefined) return undefined;
    const selecting = this.meshesSelecting(entry.namespace);
    if (selecting) return selecting.length === 1 ? selecting[0] : undefined;
    const meshes = this.mesh('Mesh');
    return meshes.length === 1 ? meshes[0] : undefined;
  }

  /**
   * The name App Mesh knows a VirtualService by, which is also the host Envoy matches requests
   * against: `awsName`, else the controller's default `<name>.<namespace>`.
   */
  static virtualServiceName(vs: Entry): string {
    return (asString(vs.spec.awsName) ?? `${vs.name}.${vs.namespace}`).toLowerCase();
  }

  /**
   * Maps a cluster DNS name to the Service that answers it, as the pod's resolver would from
   * `fromNamespace`: `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`. Names outside
   * cluster DNS (Cloud Map, the internet) map to nothing.
   */
  serviceAddress(host: string, fromNamespace: string): { name: string; namespace: string } | undefined {
    const labels = host.toLowerCase().replace(/\.$/, '').split('.');
    const [first, second] = labels;
    if (!first) return undefined;
    if (labels.length === 1) return { name: first, namespace: fromNamespace };
    const rest = labels.slice(2).join('.');
    if (second && (rest === 'svc' || rest === 'svc.cluster.local')) return { name: first, namespace: second };
    if (second && labels.length === 2 && this.knownNamespaces().has(second)) return { name: first, namespace: second };
    return undefined;
  }

  /** Every VirtualService a VirtualNode declares as a backend, by ref, by ARN or through backend groups. */
  declaredBackends(vn: Entry): { refs: Entry[]; arnNames: string[] } {
    const refs: Entry[] = [];
    const arnNames: string[] = [];
    for (const backend of asArray(vn.spec.backends)) {
      const vsBackend = asRecord(asRecord(backend).virtualService);
      const ref = asRecord(vsBackend.virtualServiceRef);
      const refName = asString(ref.name);
      if (refName) {
        const found = this.find('VirtualService', asString(ref.namespace) ?? vn.namespace, refName);
        if (found) refs.push(found);
      }
      const arn = asString(vsBackend.virtualServiceARN);
      const arnName = arn?.split('/').pop();
      if (arnName) arnNames.push(arnName.toLowerCase());
    }
    for (const group of asArray(vn.spec.backendGroups)) {
      const groupName = asString(asRecord(group).name);
      if (!groupName) continue;
      const bg = this.find('BackendGroup', asString(asRecord(group).namespace) ?? vn.namespace, groupName);
      for (const member of asArray(bg?.spec.virtualservices)) {
        const memberName = asString(asRecord(member).name);
        if (!memberName || !bg) continue;
        const found = this.find('VirtualService', asString(asRecord(member).namespace) ?? bg.namespace, memberName);
        if (found) refs.push(found);
      }
    }
    return { refs, arnNames };
  }

  /** The VirtualNodes a VirtualService can send to: its provider node, or every router target. */
  targetNodes(vs: Entry): Entry[] {
    const provider = asRecord(vs.spec.provider);
    const nodeRef = asRecord(asRecord(provider.virtualNode).virtualNodeRef);
    if (asString(nodeRef.name)) {
      const node = this.find('VirtualNode', asString(nodeRef.namespace) ?? vs.namespace, nodeRef.name as string);
      return node ? [node] : [];
    }
    const routerRef = asRecord(asRecord(provider.virtualRouter).virtualRouterRef);
    if (!asString(routerRef.name)) return [];
    const router = this.find('VirtualRouter', asString(routerRef.namespace) ?? vs.namespace, routerRef.name as string);
    if (!router) return [];
    const nodes = new Set<Entry>();
    for (const { targets } of routeTargets(router)) {
      for (const target of targets) {
        const ref = asRecord(asRecord(target.value).virtualNodeRef);
        if (!asString(ref.name)) continue;
        const node = this.find('VirtualNode', asString(ref.namespace) ?? router.namespace, ref.name as string);
        if (node) nodes.add(node);
      }
    }
    return [...nodes];
  }

  /** The listeners (port, protocol) traffic to a VirtualService meets first: its router's or its node's. */
  providerListeners(vs: Entry): { port: number; protocol: string }[] {
    const provider = asRecord(vs.spec.provider);
    const routerRef = asRecord(asRecord(provider.virtualRouter).virtualRouterRef);
    const nodeRef = asRecord(asRecord(provider.virtualNode).virtualNodeRef);
    const owner = asString(routerRef.name)
      ? this.find('VirtualRouter', asString(routerRef.namespace) ?? vs.namespace, routerRef.name as string)
      : asString(nodeRef.name)
        ? this.find('VirtualNode', asString(nodeRef.namespace) ?? vs.namespace, nodeRef.name as string)
        : undefined;
    return owner ? listenersOf(owner) : [];
  }
}

export function listenersOf(entry: Entry): { port: number; protocol: string; index: number }[] {
  const out: { port: number; protocol: string; index: number }[] = [];
  asArray(entry.spec.listeners).forEach((l, index) => {
    const mapping = asRecord(asRecord(l).portMapping);
    const port = asNumber(mapping.port);
    if (port !== undefined) out.push({ port, protocol: (asString(mapping.protocol) ?? 'http').toLowerCase(), index });
  });
  return out;
}

export const ROUTE_KINDS = ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'] as const;

/** Each route of a VirtualRouter with its weighted targets and where they sit in the object. */
export function routeTargets(router: Entry): { routeName: string; path: FieldPath; targets: { value: unknown; path: FieldPath }[] }[] {
  const out: { routeName: string; path: FieldPath; targets: { value: unknown; path: FieldPath }[] }[] = [];
  asArray(router.spec.routes).forEach((route, routeIndex) => {
    const r = asRecord(route);
    for (const kind of ROUTE_KINDS) {
      if (!isRecord(r[kind])) continue;
      const path: FieldPath = ['spec', 'routes', routeIndex, kind, 'action', 'weightedTargets'];
      const targets = asArray(asRecord(asRecord(r[kind]).action).weightedTargets).map((value, i) => ({ value, path: [...path, i] }));
      out.push({ routeName: asString(r.name) ?? `#${routeIndex + 1}`, path, targets });
    }
  });
  return out;
}

export function idOf(entry: Entry): ObjectId {
  return entry.namespace === undefined ? { kind: entry.kind, name: entry.name } : { kind: entry.kind, namespace: entry.namespace, name: entry.name };
}

/** `Kind/namespace/name` (or `Kind/name` when cluster-scoped), as findings print objects. */
export function describe(entry: Entry | ObjectId): string {
  return entry.namespace === undefined ? `${entry.kind}/${entry.name}` : `${entry.kind}/${entry.namespace}/${entry.name}`;
}
