/**
 * Where every rendering lives: one folder per walkthrough per target, named after the target, with
 * the same inner shape for every walkthrough (a sub-folder per cluster when there are several):
 *
 *   k8s/<walkthrough>/appmesh/     App Mesh on EKS (the material the walkthroughs teach)
 *   k8s/<walkthrough>/istio/       Istio, sidecar mode, on EKS
 *   k8s/<walkthrough>/lattice/     the Gateway API on Amazon VPC Lattice
 *   ecs/<walkthrough>/appmesh/     App Mesh on ECS
 *   ecs/<walkthrough>/service-connect/   ECS Service Connect
 */
import type { Cluster, Walkthrough } from '../model/walkthrough.js';

export const TARGETS = ['appmesh', 'istio', 'lattice', 'service-connect'] as const;
export type Target = (typeof TARGETS)[number];

/** The targets App Mesh walkthroughs migrate to (App Mesh itself is the source). */
export const LIVE_TARGETS = ['istio', 'lattice', 'service-connect'] as const;
export type LiveTarget = (typeof LIVE_TARGETS)[number];

export const TARGET_TITLES: Record<Target, string> = {
  appmesh: 'AWS App Mesh',
  istio: 'Istio (sidecar mode)',
  lattice: 'Gateway API on Amazon VPC Lattice',
  'service-connect': 'Amazon ECS Service Connect',
};

/** Which targets a walkthrough is rendered for, by the platform it runs on. */
export function targetsOf(walkthrough: Walkthrough): Target[] {
  return walkthrough.platform === 'eks' ? ['appmesh', 'istio', 'lattice'] : ['appmesh', 'service-connect'];
}

export function liveTargetsOf(walkthrough: Walkthrough): LiveTarget[] {
  return targetsOf(walkthrough).filter((t): t is LiveTarget => t !== 'appmesh');
}

export function isTarget(name: string): name is Target {
  return (TARGETS as readonly string[]).includes(name);
}

/** `k8s/<walkthrough>/<target>` or `ecs/<walkthrough>/<target>`. */
export function targetRoot(walkthrough: Walkthrough, target: Target): string {
  return `${walkthrough.platform === 'eks' ? 'k8s' : 'ecs'}/${walkthrough.name}/${target}`;
}

/** The folder of one cluster of a target: the target root, or a sub-folder named after the cluster. */
export function targetFolder(walkthrough: Walkthrough, target: Target, cluster: Cluster): string {
  const root = targetRoot(walkthrough, target);
  return walkthrough.clusters.length > 1 ? `${root}/${cluster.name}` : root;
}
