/**
 * A walkthrough on a live target, as the local control plane sees it: the objects its rendered
 * files hold at the current step, and the instances those files run. The apps are ours, so a
 * rendered Deployment is matched to the definition's workload of the same cluster, namespace and
 * name for how to start it; its replicas, pod labels and environment come from the file. A client
 * pod the target's renderer added (curl) runs as such; the target's own machinery (Istio's
 * gateways in istio-system, the ADOT collector) is not run: the local proxies and the local X-Ray
 * daemon stand for it.
 */
import { meshIdentityOf, selectorMatches, type ClusterState, type Walkthrough, type Workload } from '@amw/mesh-manifests';
import type { Instance } from '../control-plane/world.js';
import { podName, type BackingEndpoints } from '../orchestrator/instances.js';
import { RenderedFilesError, type LocalTarget, type RenderedCluster, type RenderedObject, type Sourced } from './rendered-files.js';

type Json = Record<string, unknown>;

interface Container {
  name?: string;
  image?: string;
  env?: { name: string; value?: string }[];
}

const key = (kind: string, cluster: string, namespace: string | undefined, name: string) => `${kind}|${cluster}|${namespace ?? ''}|${name}`;

export class TargetWorld {
  private readonly index = new Map<string, Sourced>();

  /**
   * `tcpBackends`: per instance, the local TCP ports its app was given for Postgres and Redis and
   * the DNS name the app means by each (Postgres and Redis clients cannot use HTTP_PROXY, so each
   * gets a port of its own — the local stand-in for the iptables capture of its traffic).
   */
  constructor(
    readonly target: LocalTarget,
    readonly walkthrough: Walkthrough,
    readonly clusters: readonly RenderedCluster[],
    readonly instances: readonly Instance[],
    readonly tcpBackends: (instance: Instance) => { port: number; host: string }[] = () => [],
  ) {
    for (const cluster of clusters) {
      for (const sourced of cluster.objects) {
        const { kind, metadata } = sourced.object;
        this.index.set(key(kind, cluster.name, metadata.namespace, metadata.name), sourced);
      }
    }
  }

  /** Every object of a kind, in every cluster (or one). Typed loosely: the files may be edited. */
  all<T extends RenderedObject = RenderedObject>(kind: string, cluster?: string): Sourced<T>[] {
    return this.clusters.flatMap((c) => (cluster === undefined || c.name === cluster ? c.objects.filter((o) => o.object.kind === kind) : [])) as Sourced<T>[];
  }

  get<T extends RenderedObject = RenderedObject>(kind: string, cluster: string, namespace: string | undefined, name: string): Sourced<T> | undefined {
    return this.index.get(key(kind, cluster, namespace, name)) as Sourced<T> | undefined;
  }

  /** The account a cluster belongs to (its example id), as the rendered policies name it. */
  accountOf(cluster: string): string {
    const account = this.walkthrough.clusters.find((c) => c.name === cluster)?.account;
    return this.walkthrough.accounts.find((a) => a.name === account)?.exampleId ?? '000000000000';
  }

  /** Pods (instances) a Service's selector picks, in its own cluster and namespace. */
  podsOf(service: Sourced): Instance[] {
    const selector = (service.object.spec as Json | undefined)?.selector as Record<string, string> | undefined;
    if (!selector) return [];
    return this.instances.filter(
      (i) => i.cluster === service.cluster && i.namespace === service.object.metadata.namespace && selectorMatches({ matchLabels: selector }, i.workload.spec.podLabels),
    );
  }

  /**
   * The Service a DNS name means to a pod in `fromNamespace`, as cluster DNS resolves it:
   * `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local`.
   */
  serviceByHost(cluster: string, hostname: string, fromNamespace: string | undefined): Sourced | undefined {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    const parts = host.split('.');
    if (parts.length === 5 && host.endsWith('.svc.cluster.local')) return this.get('Service', cluster, parts[1], parts[0]!);
    if (parts.length === 3 && parts[2] === 'svc') return this.get('Service', cluster, parts[1], parts[0]!);
    if (parts.length === 2) return this.get('Service', cluster, parts[1], parts[0]!);
    if (parts.length === 1) return this.get('Service', cluster, fromNamespace, parts[0]!);
    return undefined;
  }
}

function containersOf(deployment: RenderedObject): Container[] {
  const template = (deployment.spec as Json | undefined)?.template as Json | undefined;
  return (((template?.spec as Json | undefined)?.containers as Container[] | undefined) ?? []).filter((c) => typeof c === 'object' && c !== null);
}

function templateLabels(deployment: Sourced): Record<string, string> {
  const template = (deployment.object.spec as Json | undefined)?.template as Json | undefined;
  const labels = (template?.metadata as Json | undefined)?.labels;
  if (!labels || typeof labels !== 'object') throw new RenderedFilesError(`${deployment.file}: Deployment ${deployment.object.metadata.name} has no pod labels (spec.template.metadata.labels)`);
  return { ...(labels as Record<string, string>) };
}

function replicasOf(deployment: Sourced): number {
  const replicas = (deployment.object.spec as Json | undefined)?.replicas ?? 1;
  if (!Number.isInteger(replicas) || (replicas as number) < 0 || (replicas as number) > 10) {
    throw new RenderedFilesError(`${deployment.file}: Deployment ${deployment.object.metadata.name} asks for ${JSON.stringify(replicas)} replicas; the local mesh runs 0 to 10`);
  }
  return replicas as number;
}

/** The app container's literal environment (values from ConfigMaps or fields are not local facts). */
function envOf(deployment: Sourced): Record<string, string> {
  const containers = containersOf(deployment.object);
  const app = containers.find((c) => c.name === 'app') ?? containers.find((c) => c.name !== 'istio-proxy') ?? containers[0];
  const env: Record<string, string> = {};
  for (const variable of app?.env ?? []) if (typeof variable.value === 'string') env[variable.name] = variable.value;
  return env;
}

/** The pod's service account: Istio's workload identity is made of it (Kubernetes' default is `default`). */
function serviceAccountOf(deployment: Sourced): string {
  const template = (deployment.object.spec as Json | undefined)?.template as Json | undefined;
  const account = (template?.spec as Json | undefined)?.serviceAccountName;
  return typeof account === 'string' && account !== '' ? account : 'default';
}

function isCurl(deployment: RenderedObject): boolean {
  return containersOf(deployment).some((c) => /(^|\/)curl(:|$)/.test(c.image?.replace(/@.*$/, '') ?? '') || (c.image ?? '').includes('curlimages/curl'));
}

/**
 * The target's own machinery, which the local run stands in for rather than runs: Istio's
 * Deployments (istio-system: the east-west gateway), whose part the local proxies play, and the
 * ADOT collector, whose part the local X-Ray daemon plays (the proxies send it their spans).
 */
function standIn(deployment: RenderedObject): boolean {
  if (deployment.metadata.namespace === 'istio-system') return true;
  return containersOf(deployment).some((c) => (c.image ?? '').includes('aws-otel-collector'));
}

function injected(world: { namespaceLabels: Record<string, string> | undefined }, labels: Record<string, string>): boolean {
  if (labels['sidecar.istio.io/inject'] !== undefined) return labels['sidecar.istio.io/inject'] === 'true';
  return world.namespaceLabels?.['istio-injection'] === 'enabled';
}

/**
 * The instances the rendered files run at a step. Their identity marks what stands beside them:
 * a sidecar (Istio) or the pod's path into the VPC (Lattice) — a proxy with ingress and egress
 * ports — or a gateway of its own.
 */
export function plannedTargetInstances(
  walkthrough: Walkthrough,
  target: LocalTarget,
  appMesh: readonly ClusterState[],
  rendered: readonly RenderedCluster[],
  backing: BackingEndpoints,
): Instance[] {
  const out: Instance[] = [];
  for (const cluster of rendered) {
    const definition = appMesh.find((c) => c.name === cluster.name)?.resources ?? [];
    const namespaces = new Map(cluster.objects.filter((o) => o.object.kind === 'Namespace').map((o) => [o.object.metadata.name, o.object.metadata.labels]));
    for (const deployment of cluster.objects.filter((o) => o.object.kind === 'Deployment')) {
      const { name, namespace } = deployment.object.metadata;
      const known = definition.find((r): r is Workload => r.kind === 'Workload' && r.metadata.name === name && r.metadata.namespace === namespace);
      if (!known && standIn(deployment.object)) continue;
      if (!known && !isCurl(deployment.object)) {
        throw new RenderedFilesError(
          `${deployment.file}: Deployment ${namespace ?? ''}/${name} runs nothing the local mesh can start (it runs the walkthrough's own workloads and curl clients); remove it, or run \`pnpm mesh render\` to write the file again`,
        );
      }
      const podLabels = templateLabels(deployment);
      const base: Workload = known ?? {
        kind: 'Workload',
        metadata: { name, ...(namespace ? { namespace } : {}) },
        spec: { component: 'curl', replicas: 1, podLabels, ports: [] },
      };
      const workload: Workload = structuredClone(base);
      workload.spec.replicas = replicasOf(deployment);
      workload.spec.podLabels = podLabels;
      workload.spec.serviceAccountName = serviceAccountOf(deployment);
      if (known && workload.spec.component !== 'envoy-gateway' && workload.spec.component !== 'postgres' && workload.spec.component !== 'redis') {
        workload.spec.env = envOf(deployment);
      }
      // Tracing and StatsD are the target's business (Istio's Telemetry): not App Mesh's Envoy variables.
      delete workload.spec.proxyEnv;
      const appMeshIdentity = known ? meshIdentityOf(known, definition) : undefined;
      const gateway = workload.spec.component === 'envoy-gateway';
      const proxied =
        !gateway && (target === 'lattice' || injected({ namespaceLabels: namespace ? namespaces.get(namespace) : undefined }, podLabels));
      const identity = gateway
        ? appMeshIdentity
        : proxied
          ? { kind: 'VirtualNode' as const, name: appMeshIdentity?.kind === 'VirtualNode' ? appMeshIdentity.name : name, namespace }
          : undefined;
      for (let replica = 0; replica < workload.spec.replicas; replica++) {
        const instance: Instance = {
          key: `${walkthrough.name}/${cluster.name}/${namespace ?? '-'}/${name}/${replica}`,
          cluster: cluster.name,
          namespace,
          workload,
          replica,
          podName: podName(walkthrough.name, cluster.name, workload, replica),
          ports: { tcpEgress: {}, listeners: {} },
          ...(identity ? { identity: { kind: identity.kind, name: identity.name, namespace: identity.namespace } } : {}),
        };
        if (workload.spec.component === 'postgres') {
          if (!backing.postgres) throw new Error(`${instance.key} needs Postgres, but none was found`);
          instance.upstream = backing.postgres;
        }
        if (workload.spec.component === 'redis') {
          if (!backing.redis) throw new Error(`${instance.key} needs Redis, but none was found`);
          instance.upstream = backing.redis;
        }
        out.push(instance);
      }
    }
  }
  return out;
}
