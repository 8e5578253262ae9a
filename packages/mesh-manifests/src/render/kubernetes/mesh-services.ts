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

/** The nodes a Service is the address of, and how each found it: by its DNS name, or as its Cloud Map stand-in. */
export function nodesAddressedBy(graph: MeshGraph, service: Service): { node: VirtualNode; by: 'dns' | 'cloud-map' }[] {
  const found: { node: VirtualNode; by: 'dns' | 'cloud-map' }[] = [];
  for (const node of graph.nodes) {
    if (node.spec.serviceDiscovery?.dns && graph.serviceOfNode(node) === service) {
      found.push({ node, by: 'dns' });
      continue;
    }
    const standIn = cloudMapService(node);
    if (standIn && standIn.metadata.name === service.metadata.name && standIn.metadata.namespace === service.metadata.namespace) found.push({ node, by: 'cloud-map' });
  }
  return found;
}

/**
 * Which of a Service's ports reaches a listener port of the pods behind it: the one whose target is
 * that port (by number, or by the name a selected pod gives it), else the one numbered like it; -1 if none.
 */
export function portIndexFor(graph: MeshGraph, service: Service, listenerPort: number): number {
  const pods = graph.workloadsSelectedBy(service);
  const exact = service.spec.ports.findIndex((p) => p.targetPort === listenerPort || pods.some((w) => w.spec.ports.some((c) => c.name === p.targetPort && c.port === listenerPort)));
  return exact >= 0 ? exact : service.spec.ports.findIndex((p) => p.port === listenerPort);
}

/** The Service port number to send to for a listener port (the first port when none matches). */
export function servicePortFor(graph: MeshGraph, service: Service, listenerPort: number): number {
  return service.spec.ports[Math.max(portIndexFor(graph, service, listenerPort), 0)]!.port;
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
