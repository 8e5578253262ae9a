/**
 * The control plane's view of a running walkthrough: the mesh objects of every cluster at the
 * current step, the workload instances running for them on this machine, and the lookups App
 * Mesh does when it turns those objects into Envoy configuration — references by name, namespace
 * or ARN, App Mesh's own names (`<name>_<namespace>`), and which pods a DNS name reaches.
 */
import {
  ofKind,
  parseAppMeshArn,
  selectorMatches,
  type ClusterState,
  type GatewayRoute,
  type Mesh,
  type ObjectRef,
  type Resource,
  type Service,
  type VirtualGateway,
  type VirtualNode,
  type VirtualRouter,
  type VirtualService,
  type Walkthrough,
  type Workload,
} from '@amw/mesh-manifests';
import type { CloudMapRegistry } from './cloud-map.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface InstancePorts {
  /** The app's own port (`PORT`), for our apps. */
  app?: number;
  /** ColorTeller's fault-injection port. */
  control?: number;
  /** The sidecar's ingress listener: where the mesh sends this instance's traffic. */
  ingress?: number;
  /** The sidecar's HTTP egress listener, which the app reaches through HTTP_PROXY. */
  egress?: number;
  /** The proxy's admin port (Envoy's 9901). */
  admin?: number;
  /** Kong's own admin port (its sidecar has `admin`). */
  kongAdmin?: number;
  /** TCP egress listeners, one per TCP virtual service the node calls, by virtual service key. */
  tcpEgress: Record<string, number>;
  /** Gateways and Kong: the mesh port of each listener → its local port. */
  listeners: Record<number, number>;
}

export interface Instance {
  /** `<cluster>/<namespace>/<workload>/<replica>`: stable across steps. */
  key: string;
  cluster: string;
  namespace: string | undefined;
  workload: Workload;
  replica: number;
  /** A pod-like name, as `kubectl get pods` would show and `/api/hostname` answers. */
  podName: string;
  identity?: { kind: 'VirtualNode' | 'VirtualGateway'; name: string; namespace: string | undefined };
  ports: InstancePorts;
  /** Where the sidecar's ingress delivers: the app, or the backing Postgres/Redis. */
  upstream?: Endpoint;
}

export interface Scoped<T> {
  cluster: string;
  object: T;
}

const key = (kind: string, cluster: string, namespace: string | undefined, name: string) => `${kind}|${cluster}|${namespace ?? ''}|${name}`;

export class MeshWorld {
  private readonly index = new Map<string, Scoped<Resource>>();
  readonly accountOf: Map<string, string>;

  constructor(
    readonly walkthrough: Walkthrough,
    readonly clusters: readonly ClusterState[],
    readonly instances: readonly Instance[],
    readonly cloudMap: CloudMapRegistry,
  ) {
    for (const cluster of clusters) {
      for (const resource of cluster.resources) {
        const meta = (resource as { metadata: { name: string; namespace?: string } }).metadata;
        this.index.set(key(resource.kind, cluster.name, meta.namespace, meta.name), { cluster: cluster.name, object: resource });
      }
    }
    const accounts = new Map(walkthrough.accounts.map((a) => [a.name, a.exampleId]));
    this.accountOf = new Map(clusters.map((c) => [c.name, accounts.get(c.account) ?? '000000000000']));
  }

  all<K extends Resource['kind']>(kind: K): Scoped<Extract<Resource, { kind: K }>>[] {
    return this.clusters.flatMap((cluster) => ofKind(cluster.resources, kind).map((object) => ({ cluster: cluster.name, object })));
  }

  get<K extends Resource['kind']>(kind: K, cluster: string, namespace: string | undefined, name: string): Scoped<Extract<Resource, { kind: K }>> | undefined {
    return this.index.get(key(kind, cluster, namespace, name)) as Scoped<Extract<Resource, { kind: K }>> | undefined;
  }

  /** The Mesh object as a cluster sees it (every cluster of a shared mesh holds one). */
  mesh(cluster: string): Mesh {
    const found = this.all('Mesh').find((m) => m.cluster === cluster) ?? this.all('Mesh')[0];
    if (!found) throw new Error(`walkthrough ${this.walkthrough.name} has no Mesh`);
    return found.object;
  }

  meshName(cluster: string): string {
    const mesh = this.mesh(cluster);
    return mesh.spec.awsName ?? mesh.metadata.name;
  }

  /** The account that owns the mesh: `meshOwner`, else the cluster's own account. */
  meshOwner(cluster: string): string {
    return this.mesh(cluster).spec.meshOwner ?? this.accountOf.get(cluster)!;
  }

  egressFilter(cluster: string): 'ALLOW_ALL' | 'DROP_ALL' {
    return this.mesh(cluster).spec.egressFilter?.type ?? 'DROP_ALL';
  }

  /** App Mesh names, as the controller derives them: `<name>_<namespace>`, services `<name>.<namespace>`. */
  awsName(object: VirtualNode | VirtualRouter | VirtualGateway | VirtualService | GatewayRoute): string {
    if (object.spec.awsName) return object.spec.awsName;
    const { name, namespace } = object.metadata;
    if (namespace === undefined) return name;
    return object.kind === 'VirtualService' ? `${name}.${namespace}` : `${name}_${namespace}`;
  }

  private byRef<K extends 'VirtualNode' | 'VirtualService' | 'VirtualRouter'>(
    kind: K,
    cluster: string,
    from: string | undefined,
    ref: ObjectRef | undefined,
    arn: string | undefined,
  ): Scoped<Extract<Resource, { kind: K }>> | undefined {
    if (ref) return this.get(kind, cluster, ref.namespace ?? from, ref.name);
    if (!arn) return undefined;
    // An ARN names the mesh-level resource: find the object with that App Mesh name in the mesh.
    const parsed = parseAppMeshArn(arn);
    return this.all(kind).find(
      (candidate) => this.meshName(candidate.cluster) === parsed.mesh && this.awsName(candidate.object as never) === parsed.name,
    ) as Scoped<Extract<Resource, { kind: K }>> | undefined;
  }

  virtualService(cluster: string, from: string | undefined, ref?: ObjectRef, arn?: string): Scoped<VirtualService> | undefined {
    return this.byRef('VirtualService', cluster, from, ref, arn);
  }

  virtualNode(cluster: string, from: string | undefined, ref?: ObjectRef, arn?: string): Scoped<VirtualNode> | undefined {
    return this.byRef('VirtualNode', cluster, from, ref, arn);
  }

  virtualRouter(cluster: string, from: string | undefined, ref?: ObjectRef, arn?: string): Scoped<VirtualRouter> | undefined {
    return this.byRef('VirtualRouter', cluster, from, ref, arn);
  }

  /** The gateway routes a virtual gateway serves: its namespace and route selectors, or (no namespaces, ECS) all of them. */
  gatewayRoutes(gateway: Scoped<VirtualGateway>): Scoped<GatewayRoute>[] {
    const vg = gateway.object;
    return this.all('GatewayRoute').filter(({ cluster, object: gr }) => {
      if (cluster !== gateway.cluster) return false;
      const ns = gr.metadata.namespace;
      if (ns !== undefined) {
        if (!vg.spec.namespaceSelector) return false;
        const namespace = this.get('Namespace', cluster, undefined, ns);
        if (!selectorMatches(vg.spec.namespaceSelector, namespace?.object.metadata.labels ?? {})) return false;
      }
      if (vg.spec.gatewayRouteSelector && !selectorMatches(vg.spec.gatewayRouteSelector, gr.metadata.labels ?? {})) return false;
      return true;
    });
  }

  /** Kubernetes Services a DNS name can mean, with the search path of a pod in `fromNamespace`. */
  kubernetesService(cluster: string, hostname: string, fromNamespace: string | undefined): Scoped<Service> | undefined {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    const parts = host.split('.');
    if (parts.length >= 2 && host.endsWith('.svc.cluster.local') && parts.length === 5) return this.get('Service', cluster, parts[1], parts[0]!);
    if (parts.length === 3 && parts[2] === 'svc') return this.get('Service', cluster, parts[1], parts[0]!);
    if (parts.length === 2) return this.get('Service', cluster, parts[1], parts[0]!);
    if (parts.length === 1) return this.get('Service', cluster, fromNamespace, parts[0]!);
    return undefined;
  }

  /** Instances whose pods a Service's selector picks. */
  podsOf(service: Scoped<Service>): Instance[] {
    const selector = service.object.spec.selector;
    if (!selector) return [];
    return this.instances.filter(
      (i) => i.cluster === service.cluster && i.namespace === service.object.metadata.namespace && selectorMatches({ matchLabels: selector }, i.workload.spec.podLabels),
    );
  }

  /**
   * Where a virtual node's traffic goes: its service discovery resolved the way App Mesh does —
   * a DNS name through Kubernetes Services (or an ECS service's Cloud Map DNS records), Cloud Map
   * through DiscoverInstances with the node's attributes.
   */
  endpointsOf(node: Scoped<VirtualNode>): Endpoint[] {
    const sd = node.object.spec.serviceDiscovery;
    if (sd?.awsCloudMap) {
      const { namespaceName, serviceName, attributes } = sd.awsCloudMap;
      try {
        return this.cloudMap
          .discoverInstances(namespaceName, serviceName, {
            queryParameters: Object.fromEntries((attributes ?? []).map((a) => [a.key, a.value])),
            healthStatus: 'HEALTHY_OR_ELSE_ALL',
          })
          .map((i) => ({ host: i.attributes.AWS_INSTANCE_IPV4 ?? '127.0.0.1', port: Number(i.attributes.AWS_INSTANCE_PORT) }));
      } catch {
        return [];
      }
    }
    if (sd?.dns) {
      const service = this.kubernetesService(node.cluster, sd.dns.hostname, node.object.metadata.namespace);
      if (service) return this.ingressOf(this.podsOf(service));
      // No Kubernetes Service by that name (ECS): the records Cloud Map keeps for the node's own tasks.
      return this.ingressOf(this.instancesOf(node));
    }
    return [];
  }

  /** Instances whose sidecar speaks for this virtual node. */
  instancesOf(node: Scoped<VirtualNode>): Instance[] {
    return this.instances.filter(
      (i) =>
        i.cluster === node.cluster &&
        i.identity?.kind === 'VirtualNode' &&
        i.identity.name === node.object.metadata.name &&
        i.identity.namespace === node.object.metadata.namespace,
    );
  }

  ingressOf(instances: Instance[]): Endpoint[] {
    return instances.filter((i) => i.ports.ingress !== undefined).map((i) => ({ host: '127.0.0.1', port: i.ports.ingress! }));
  }
}

export function virtualServiceKey(vs: Scoped<VirtualService>): string {
  return `${vs.cluster}/${vs.object.metadata.namespace ?? ''}/${vs.object.metadata.name}`;
}

/** How an instance is called in output: `yelb-ui`, `backend:yelb-db`, `flaky-1` for a replica. */
export function instanceLabel(instance: Instance): string {
  const replica = instance.workload.spec.replicas > 1 ? `-${instance.replica}` : '';
  const scope = instance.cluster !== 'main' ? `${instance.cluster}:` : '';
  return `${scope}${instance.workload.metadata.name}${replica}`;
}
