import type {
  GatewayRoute,
  Mesh,
  VirtualGateway,
  VirtualNode,
  VirtualRouter,
  VirtualService,
} from '../src/model/appmesh.js';
import type { Service } from '../src/model/kubernetes.js';
import { allResources, stateAt } from '../src/model/state.js';
import type { Resource, ResourceKind, Walkthrough } from '../src/model/walkthrough.js';
import type { Workload } from '../src/model/workload.js';

/** Looks a resource up by kind and name (and namespace) at a step; fails the test loudly if absent. */
export function at(walkthrough: Walkthrough, step?: string, cluster?: string) {
  const clusters = stateAt(walkthrough, step).filter((c) => !cluster || c.name === cluster);
  const resources = allResources(clusters);
  function find<T extends Resource>(kind: ResourceKind, name: string, namespace?: string): T {
    const found = resources.find((r) => r.kind === kind && r.metadata.name === name && (namespace === undefined || r.metadata.namespace === namespace));
    if (!found) throw new Error(`${walkthrough.name}${step ? `@${step}` : ''}: no ${kind} ${namespace ?? ''}/${name}`);
    return found as T;
  }
  return {
    resources,
    mesh: (name: string) => find<Mesh>('Mesh', name),
    node: (name: string, ns?: string) => find<VirtualNode>('VirtualNode', name, ns),
    service: (name: string, ns?: string) => find<VirtualService>('VirtualService', name, ns),
    router: (name: string, ns?: string) => find<VirtualRouter>('VirtualRouter', name, ns),
    gateway: (name: string, ns?: string) => find<VirtualGateway>('VirtualGateway', name, ns),
    gatewayRoute: (name: string, ns?: string) => find<GatewayRoute>('GatewayRoute', name, ns),
    workload: (name: string, ns?: string) => find<Workload>('Workload', name, ns),
    k8sService: (name: string, ns?: string) => find<Service>('Service', name, ns),
    has: (kind: ResourceKind, name: string, ns?: string) =>
      resources.some((r) => r.kind === kind && r.metadata.name === name && (ns === undefined || r.metadata.namespace === ns)),
  };
}

/** `{ nodeName: weight }` of a router's route. */
export function weights(router: VirtualRouter, route: string): Record<string, number> {
  const found = router.spec.routes?.find((r) => r.name === route);
  if (!found?.httpRoute) throw new Error(`no http route ${route} in ${router.metadata.name}`);
  return Object.fromEntries(found.httpRoute.action.weightedTargets.map((t) => [t.virtualNodeRef?.name ?? t.virtualNodeARN, t.weight]));
}
