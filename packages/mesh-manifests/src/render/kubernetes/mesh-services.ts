/**
 * The Kubernetes Services and service accounts a mesh-less or Istio target addresses nodes by.
 * App Mesh could discover a node through Cloud Map alone; Kubernetes targets need a Service for it.
 */
import type { VirtualNode } from '../../model/appmesh.js';
import type { Service } from '../../model/kubernetes.js';
import type { Workload } from '../../model/workload.js';
import type { MeshGraph } from '../mesh-graph.js';

/** The Service that stands in for a Cloud Map node: named after the Cloud Map service, selecting the node's pods. */
export function cloudMapService(node: VirtualNode): Service | undefined {
  const cloudMap = node.spec.serviceDiscovery?.awsCloudMap;
  if (!cloudMap || !node.metadata.namespace) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: cloudMap.serviceName, namespace: node.metadata.namespace },
    spec: {
      selector: { ...(node.spec.podSelector?.matchLabels ?? {}) },
      ports: (node.spec.listeners ?? []).map((l) => ({ name: l.portMapping.protocol === 'tcp' ? 'tcp' : 'http', port: l.portMapping.port, targetPort: l.portMapping.port })),
    },
  };
}

/** The Service a node is reached by: the one its DNS name points at, or its Cloud Map stand-in. */
export function nodeService(graph: MeshGraph, node: VirtualNode): Service | undefined {
  return graph.serviceOfNode(node) ?? cloudMapService(node);
}

/** The cluster's Services plus a stand-in for each Cloud Map node that has none. */
export function meshServices(graph: MeshGraph): Service[] {
  const standIns = graph.nodes
    .map(cloudMapService)
    .filter((s): s is Service => !!s && !graph.services.some((x) => x.metadata.name === s.metadata.name && x.metadata.namespace === s.metadata.namespace));
  return [...graph.services, ...standIns];
}

/** The service account a workload runs under: its own, named after it (Kong keeps the one its RBAC binds). */
export function serviceAccountOf(workload: Workload): string {
  return workload.spec.component === 'kong' && workload.spec.serviceAccountName ? workload.spec.serviceAccountName : workload.metadata.name;
}
