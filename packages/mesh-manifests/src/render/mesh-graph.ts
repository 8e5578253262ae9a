/**
 * A cluster's App Mesh objects resolved into what the live targets' renderers ask: the nodes a
 * virtual service sends to (through its router's routes, in App Mesh's order), the workloads and
 * Kubernetes Service behind each node, the host name clients call, and which node a workload is.
 * References by ARN to another cluster of the same walkthrough (a shared mesh) are resolved there.
 */
import type { GatewayRoute, ObjectRef as MeshRef, Route, VirtualGateway, VirtualNode, VirtualRouter, VirtualService } from '../model/appmesh.js';
import { parseAppMeshArn } from '../model/aws.js';
import { orderRoutes } from '../model/routing.js';
import { meshIdentityOf, ofKind, selectorMatches, stateAt, type ClusterState } from '../model/state.js';
import type { Service } from '../model/kubernetes.js';
import type { Resource, Walkthrough } from '../model/walkthrough.js';
import type { Workload } from '../model/workload.js';
import { backendField } from '../migrate/features.js';
import { awsNameOf } from './cli-json/objects.js';

export const CLUSTER_DOMAIN = 'svc.cluster.local';

export function fqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.${CLUSTER_DOMAIN}`;
}

/** The first label of a cluster DNS name and its namespace, or undefined for a name outside cluster DNS. */
export function clusterDnsName(host: string, fromNamespace: string | undefined): { name: string; namespace: string } | undefined {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  const [first, second] = labels;
  if (!first) return undefined;
  if (labels.length === 1) return fromNamespace ? { name: first, namespace: fromNamespace } : undefined;
  const rest = labels.slice(2).join('.');
  if (second && (rest === 'svc' || rest === CLUSTER_DOMAIN || rest === '')) return { name: first, namespace: second };
  return undefined;
}

export interface ResolvedTarget {
  node: VirtualNode;
  weight: number;
  /** The graph the node lives in (another cluster's, for a router reached by ARN). */
  graph: MeshGraph;
}

export class MeshGraph {
  constructor(
    readonly walkthrough: Walkthrough,
    readonly cluster: string,
    readonly resources: readonly Resource[],
    /** Every cluster at the same step, to resolve ARNs into other clusters. */
    private readonly clusters: readonly ClusterState[] = [],
  ) {}

  static at(walkthrough: Walkthrough, step: string, cluster: string): MeshGraph {
    const clusters = stateAt(walkthrough, step);
    return new MeshGraph(walkthrough, cluster, clusters.find((c) => c.name === cluster)!.resources, clusters);
  }

  get nodes(): VirtualNode[] {
    return ofKind(this.resources, 'VirtualNode');
  }
  get routers(): VirtualRouter[] {
    return ofKind(this.resources, 'VirtualRouter');
  }
  get virtualServices(): VirtualService[] {
    return ofKind(this.resources, 'VirtualService');
  }
  get gateways(): VirtualGateway[] {
    return ofKind(this.resources, 'VirtualGateway');
  }
  get workloads(): Workload[] {
    return ofKind(this.resources, 'Workload');
  }
  get services(): Service[] {
    return ofKind(this.resources, 'Service');
  }
  get mesh() {
    return ofKind(this.resources, 'Mesh')[0];
  }

  private find<T extends { kind: string; metadata: { name: string; namespace?: string } }>(list: readonly T[], ref: MeshRef, from: string | undefined, what: string): T {
    const namespace = ref.namespace ?? from;
    const found = list.find((r) => r.metadata.name === ref.name && r.metadata.namespace === namespace);
    if (!found) throw new Error(`${this.walkthrough.name}/${this.cluster}: no ${what} ${namespace ? `${namespace}/` : ''}${ref.name}`);
    return found;
  }

  node(ref: MeshRef, from: string | undefined): VirtualNode {
    return this.find(this.nodes, ref, from, 'VirtualNode');
  }

  router(ref: MeshRef, from: string | undefined): VirtualRouter {
    return this.find(this.routers, ref, from, 'VirtualRouter');
  }

  virtualService(ref: MeshRef, from: string | undefined): VirtualService {
    return this.find(this.virtualServices, ref, from, 'VirtualService');
  }

  /** A virtual service named by ARN: in this cluster or another of the walkthrough, by its App Mesh name. */
  virtualServiceByArn(arn: string): { vs: VirtualService; graph: MeshGraph } {
    const { name } = parseAppMeshArn(arn);
    for (const cluster of [this.clusters.find((c) => c.name === this.cluster), ...this.clusters.filter((c) => c.name !== this.cluster)]) {
      if (!cluster) continue;
      const vs = ofKind(cluster.resources, 'VirtualService').find((v) => awsNameOf(v) === name);
      if (vs) return { vs, graph: cluster.name === this.cluster ? this : new MeshGraph(this.walkthrough, cluster.name, cluster.resources, this.clusters) };
    }
    throw new Error(`${this.walkthrough.name}/${this.cluster}: no cluster defines the virtual service of ${arn}`);
  }

  /** Workloads whose pods a node's or gateway's podSelector picks, or that name it as their mesh identity. */
  workloadsOf(owner: VirtualNode | VirtualGateway): Workload[] {
    return this.workloads.filter((w) => {
      const id = meshIdentityOf(w, this.resources);
      return id?.kind === owner.kind && id.name === owner.metadata.name && id.namespace === owner.metadata.namespace;
    });
  }

  /** The node or gateway a workload's proxy speaks for. */
  identityOf(workload: Workload): VirtualNode | VirtualGateway | undefined {
    const id = meshIdentityOf(workload, this.resources);
    if (!id) return undefined;
    return [...this.nodes, ...this.gateways].find((r) => r.kind === id.kind && r.metadata.name === id.name && r.metadata.namespace === id.namespace);
  }

  /** The Kubernetes Service a cluster DNS name reaches from a namespace. */
  serviceAt(host: string, fromNamespace: string | undefined): Service | undefined {
    const address = clusterDnsName(host, fromNamespace);
    if (!address) return undefined;
    return this.services.find((s) => s.metadata.name === address.name && s.metadata.namespace === address.namespace);
  }

  /** The Service a node's DNS hostname names. */
  serviceOfNode(node: VirtualNode): Service | undefined {
    const hostname = node.spec.serviceDiscovery?.dns?.hostname;
    return hostname ? this.serviceAt(hostname, node.metadata.namespace) : undefined;
  }

  /** Whether a Service's selector picks a workload's pods (a Service picks only pods of its namespace). */
  static selects(service: Service, workload: Workload): boolean {
    return !!service.spec.selector && workload.metadata.namespace === service.metadata.namespace && selectorMatches({ matchLabels: service.spec.selector }, workload.spec.podLabels);
  }

  /** The workloads whose pods a Service selects (none without a selector). */
  workloadsSelectedBy(service: Service): Workload[] {
    return this.workloads.filter((w) => MeshGraph.selects(service, w));
  }

  /** The Service that selects every pod of these workloads (and only pods of this namespace). */
  serviceSelectingAll(service: Service | undefined, workloads: readonly Workload[]): boolean {
    if (!service?.spec.selector || !workloads.length) return false;
    return workloads.every((w) => MeshGraph.selects(service, w));
  }

  /** The name clients call a virtual service by (its awsName, else `<name>.<namespace>`). */
  static callName(vs: VirtualService): string {
    return awsNameOf(vs);
  }

  /** The router behind a virtual service, or its node. */
  provider(vs: VirtualService): { router: VirtualRouter } | { node: VirtualNode } {
    const p = vs.spec.provider;
    if (p?.virtualRouter?.virtualRouterRef) return { router: this.router(p.virtualRouter.virtualRouterRef, vs.metadata.namespace) };
    if (p?.virtualNode?.virtualNodeRef) return { node: this.node(p.virtualNode.virtualNodeRef, vs.metadata.namespace) };
    throw new Error(`${this.walkthrough.name}/${this.cluster}: virtual service ${vs.metadata.name} has no provider this renderer can follow`);
  }

  /**
   * The GatewayRoutes a virtual gateway takes — those in the namespaces its namespaceSelector picks
   * (its own namespace without one) — in the order App Mesh tries them.
   */
  gatewayRoutesOf(gateway: VirtualGateway): GatewayRoute[] {
    const namespaces = ofKind(this.resources, 'Namespace');
    const selector = gateway.spec.namespaceSelector;
    const taken = ofKind(this.resources, 'GatewayRoute').filter((gr) => {
      if (!selector) return gr.metadata.namespace === gateway.metadata.namespace;
      const ns = namespaces.find((n) => n.metadata.name === gr.metadata.namespace);
      return !!ns && selectorMatches(selector, ns.metadata.labels ?? {});
    });
    return orderRoutes(taken.map((gr) => ({ gr, priority: gr.spec.priority, match: (gr.spec.httpRoute ?? gr.spec.http2Route)?.match }))).map(({ gr }) => gr);
  }

  /** A router's routes in the order App Mesh tries them. */
  static orderedRoutes(router: VirtualRouter): Route[] {
    return orderRoutes((router.spec.routes ?? []).map((r) => ({ ...r, match: (r.httpRoute ?? r.http2Route)?.match })));
  }

  /** The weighted node targets of a route. */
  targets(router: VirtualRouter, route: Route): ResolvedTarget[] {
    const action = (route.httpRoute ?? route.http2Route ?? route.tcpRoute ?? route.grpcRoute)!.action;
    return action.weightedTargets.map((t) => {
      if (!t.virtualNodeRef) throw new Error(`${this.walkthrough.name}/${this.cluster}: route ${route.name} of ${router.metadata.name} targets a node by ARN, which this renderer cannot follow`);
      return { node: this.node(t.virtualNodeRef, router.metadata.namespace), weight: t.weight, graph: this };
    });
  }

  /** Every virtual service a node declares as a backend, with the graph it lives in and the field that declares it. */
  backendsOf(node: VirtualNode): { vs: VirtualService; graph: MeshGraph; byArn: boolean; field: string }[] {
    return (node.spec.backends ?? []).map((b) => {
      const field = backendField(b);
      if (b.virtualService.virtualServiceRef) return { vs: this.virtualService(b.virtualService.virtualServiceRef, node.metadata.namespace), graph: this as MeshGraph, byArn: false, field };
      return { ...this.virtualServiceByArn(b.virtualService.virtualServiceARN!), byArn: true, field };
    });
  }
}
