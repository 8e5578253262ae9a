/**
 * The state of a walkthrough at a step: its clusters' resources after the first step and every
 * later one up to the chosen step have been applied. Also the lookups every reader needs (objects
 * by kind, label selectors against pod labels, a workload's virtual node or gateway).
 */
import type { LabelSelector } from './appmesh.js';
import type { Check } from './checks.js';
import type { Cluster, Resource, ResourceKind, Step, Walkthrough } from './walkthrough.js';
import { resourceKey } from './walkthrough.js';
import type { Workload } from './workload.js';

export interface ClusterState extends Omit<Cluster, 'resources'> {
  resources: Resource[];
}

export class UnknownStepError extends Error {
  constructor(
    readonly walkthrough: string,
    readonly step: string,
    readonly validSteps: string[],
  ) {
    super(`walkthrough ${walkthrough} has no step "${step}"; its steps are: ${validSteps.join(', ')}`);
    this.name = 'UnknownStepError';
  }
}

export function stepIndex(walkthrough: Walkthrough, step: string): number {
  const index = walkthrough.steps.findIndex((s) => s.name === step);
  if (index < 0) throw new UnknownStepError(walkthrough.name, step, walkthrough.steps.map((s) => s.name));
  return index;
}

export function finalStep(walkthrough: Walkthrough): Step {
  const last = walkthrough.steps.at(-1);
  if (!last) throw new Error(`walkthrough ${walkthrough.name} has no steps`);
  return last;
}

function clusterFor(walkthrough: Walkthrough, name: string | undefined): string {
  if (name) return name;
  if (walkthrough.clusters.length === 1) return walkthrough.clusters[0]!.name;
  throw new Error(`walkthrough ${walkthrough.name} has several clusters: a change must name its cluster`);
}

/** Applies one step's changes to a copy of the clusters. A change to a missing object is an error, not a no-op. */
export function applyStep(walkthrough: Walkthrough, clusters: ClusterState[], step: Step): ClusterState[] {
  const next = clusters.map((c) => ({ ...c, resources: [...c.resources] }));
  for (const change of step.changes) {
    const clusterName = clusterFor(walkthrough, change.cluster);
    const cluster = next.find((c) => c.name === clusterName);
    if (!cluster) throw new Error(`step ${step.name} of ${walkthrough.name} names unknown cluster ${clusterName}`);
    if (change.op === 'put') {
      const key = resourceKey(change.resource);
      const at = cluster.resources.findIndex((r) => resourceKey(r) === key);
      if (at >= 0) cluster.resources[at] = change.resource;
      else cluster.resources.push(change.resource);
    } else {
      const key = `${change.kind}/${change.namespace ?? ''}/${change.name}`;
      const at = cluster.resources.findIndex((r) => resourceKey(r) === key);
      if (at < 0) throw new Error(`step ${step.name} of ${walkthrough.name} deletes ${key}, which does not exist`);
      cluster.resources.splice(at, 1);
    }
  }
  return next;
}

/** The clusters as they are once `step` (default: the last step) has been applied. */
export function stateAt(walkthrough: Walkthrough, step?: string): ClusterState[] {
  const upTo = step === undefined ? walkthrough.steps.length - 1 : stepIndex(walkthrough, step);
  let clusters: ClusterState[] = walkthrough.clusters.map((c) => ({ ...c, resources: [...c.resources] }));
  for (const s of walkthrough.steps.slice(0, upTo + 1)) clusters = applyStep(walkthrough, clusters, s);
  return clusters;
}

/** The checks that hold once `step` has been applied. */
export function checksAt(walkthrough: Walkthrough, step: string): Check[] {
  const at = stepIndex(walkthrough, step);
  return walkthrough.checks.filter((check) => {
    const from = check.step === undefined ? 0 : stepIndex(walkthrough, check.step);
    const until = check.until === undefined ? walkthrough.steps.length - 1 : stepIndex(walkthrough, check.until);
    return from <= at && at <= until;
  });
}

export type ResourceOfKind<K extends ResourceKind> = Extract<Resource, { kind: K }>;

export function ofKind<K extends ResourceKind>(resources: readonly Resource[], kind: K): ResourceOfKind<K>[] {
  return resources.filter((r): r is ResourceOfKind<K> => r.kind === kind);
}

export function allResources(clusters: readonly ClusterState[]): Resource[] {
  return clusters.flatMap((c) => c.resources);
}

/** Kubernetes semantics, which App Mesh follows: an empty selector selects everything. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    switch (req.operator) {
      case 'In':
        if (!has || !req.values?.includes(value!)) return false;
        break;
      case 'NotIn':
        if (has && req.values?.includes(value!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** The virtual node or gateway a workload's Envoy speaks for: explicit, else through podSelectors. */
export function meshIdentityOf(
  workload: Workload,
  resources: readonly Resource[],
): { kind: 'VirtualNode' | 'VirtualGateway'; name: string; namespace?: string } | undefined {
  const id = workload.spec.meshIdentity;
  if (id) {
    return 'virtualNode' in id
      ? { kind: 'VirtualNode', name: id.virtualNode, namespace: id.namespace }
      : { kind: 'VirtualGateway', name: id.virtualGateway, namespace: id.namespace };
  }
  const ns = workload.metadata.namespace;
  const candidates = [...ofKind(resources, 'VirtualNode'), ...ofKind(resources, 'VirtualGateway')].filter(
    (r) => r.metadata.namespace === ns && r.spec.podSelector && selectorMatches(r.spec.podSelector, workload.spec.podLabels),
  );
  if (candidates.length > 1) {
    const names = candidates.map((c) => `${c.kind} ${c.metadata.name}`).join(', ');
    throw new Error(`workload ${ns}/${workload.metadata.name} is selected by several mesh objects: ${names}`);
  }
  const found = candidates[0];
  return found ? { kind: found.kind, name: found.metadata.name, namespace: found.metadata.namespace } : undefined;
}
