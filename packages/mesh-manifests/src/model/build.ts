/**
 * Small constructors that keep the definitions close to the YAML a learner reads: they only fill
 * in `apiVersion`, `kind` and `metadata`, never a default the CRDs do not have.
 */
import {
  APPMESH_API_VERSION,
  type Duration,
  type GatewayRoute,
  type GatewayRouteSpec,
  type HealthCheckPolicy,
  type Mesh,
  type MeshSpec,
  type ObjectMeta,
  type VirtualGateway,
  type VirtualGatewaySpec,
  type VirtualNode,
  type VirtualNodeSpec,
  type VirtualRouter,
  type VirtualRouterSpec,
  type VirtualService,
  type VirtualServiceSpec,
  type WeightedTarget,
} from './appmesh.js';
import type { Namespace, Service, ServicePort } from './kubernetes.js';
import { K8S } from './kubernetes.js';
import type { Workload, WorkloadSpec } from './workload.js';

function meta(name: string, namespace?: string, extra: Omit<ObjectMeta, 'name' | 'namespace'> = {}): ObjectMeta {
  return { name, ...(namespace === undefined ? {} : { namespace }), ...extra };
}

export const ms = (value: number): Duration => ({ unit: 'ms', value });
export const seconds = (value: number): Duration => ({ unit: 's', value });

export function mesh(name: string, spec: MeshSpec): Mesh {
  return { apiVersion: APPMESH_API_VERSION, kind: 'Mesh', metadata: meta(name), spec };
}

export function virtualNode(namespace: string | undefined, name: string, spec: VirtualNodeSpec): VirtualNode {
  return { apiVersion: APPMESH_API_VERSION, kind: 'VirtualNode', metadata: meta(name, namespace), spec };
}

export function virtualService(namespace: string | undefined, name: string, spec: VirtualServiceSpec): VirtualService {
  return { apiVersion: APPMESH_API_VERSION, kind: 'VirtualService', metadata: meta(name, namespace), spec };
}

export function virtualRouter(namespace: string | undefined, name: string, spec: VirtualRouterSpec): VirtualRouter {
  return { apiVersion: APPMESH_API_VERSION, kind: 'VirtualRouter', metadata: meta(name, namespace), spec };
}

export function virtualGateway(namespace: string | undefined, name: string, spec: VirtualGatewaySpec): VirtualGateway {
  return { apiVersion: APPMESH_API_VERSION, kind: 'VirtualGateway', metadata: meta(name, namespace), spec };
}

export function gatewayRoute(namespace: string | undefined, name: string, spec: GatewayRouteSpec): GatewayRoute {
  return { apiVersion: APPMESH_API_VERSION, kind: 'GatewayRoute', metadata: meta(name, namespace), spec };
}

/** The health check every walkthrough's HTTP nodes use: `/ping`, 2 healthy / 2 unhealthy, 5 s interval, 2 s timeout. */
export function pingHealthCheck(): HealthCheckPolicy {
  return {
    protocol: 'http',
    path: '/ping',
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    intervalMillis: 5000,
    timeoutMillis: 2000,
  };
}

/** `{ 'jazz-v1': 95, 'jazz-v2': 5 }` → weighted targets referring to virtual nodes in the router's namespace. */
export function weightedTargets(weights: Record<string, number>, namespace?: string): WeightedTarget[] {
  return Object.entries(weights).map(([name, weight]) => ({
    virtualNodeRef: namespace === undefined ? { name } : { name, namespace },
    weight,
  }));
}

/** A namespace the mesh selects (`mesh: <mesh>`) with Envoy injection on. */
export function meshNamespace(name: string, meshName: string, extraLabels: Record<string, string> = {}): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta(name, undefined, { labels: { mesh: meshName, [K8S.injectorLabel]: 'enabled', ...extraLabels } }),
  };
}

export function service(
  namespace: string,
  name: string,
  spec: {
    type?: 'ClusterIP' | 'LoadBalancer';
    selector?: Record<string, string>;
    ports: ServicePort[];
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    /** An internet-facing AWS Network Load Balancer. */
    nlb?: boolean;
  },
): Service {
  const annotations = { ...(spec.nlb ? { [K8S.nlbAnnotation]: 'nlb' } : {}), ...spec.annotations };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, namespace, {
      ...(spec.labels ? { labels: spec.labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    }),
    spec: {
      ...(spec.type ? { type: spec.type } : {}),
      ...(spec.selector ? { selector: spec.selector } : {}),
      ports: spec.ports,
    },
  };
}

export function workload(namespace: string | undefined, name: string, spec: WorkloadSpec): Workload {
  return { kind: 'Workload', metadata: meta(name, namespace), spec };
}
