/**
 * Which instances a walkthrough runs at a step, and the local ports each one gets. Every replica
 * of every workload is an instance; a meshed instance gets a sidecar (ingress, egress, admin
 * ports, and a TCP port per TCP backend, since Postgres and Redis clients do not speak
 * HTTP_PROXY); a gateway or Kong gets a port per listener. Ports stay the same across steps, so
 * a learner's URLs keep working while the mesh changes underneath.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { AppRegistry } from '@amw/dev-stack/apps';
import { meshIdentityOf, type ClusterState, type VirtualService, type Walkthrough, type Workload } from '@amw/mesh-manifests';
import { entrySlots } from './entries.js';
import { virtualServiceKey, type Endpoint, type Instance, type MeshWorld, type Scoped } from '../control-plane/world.js';
import { appOf } from '../our-apps.js';

/** Hands out local ports: from a base upwards when given one (stable URLs), else any free port. */
export class PortAllocator {
  private readonly taken = new Set<number>();
  private cursor: number;

  /** `entryBase`: the range kept for entries; other ports start at `base`. `host`: where the run's processes will listen. */
  constructor(
    private readonly base?: number,
    private readonly entryBase?: number,
    private readonly host = '127.0.0.1',
  ) {
    this.cursor = base ?? 0;
  }

  /** The port an entry should get (`entryBase + index`) when it is free, else any other. */
  async forEntry(index: number): Promise<number> {
    if (this.entryBase !== undefined) {
      const wanted = this.entryBase + index;
      if (!this.taken.has(wanted) && (await portFree(wanted, this.host))) {
        this.taken.add(wanted);
        return wanted;
      }
    }
    return this.next();
  }

  async next(): Promise<number> {
    for (;;) {
      const candidate = this.base === undefined ? await freePort(this.host) : this.cursor++;
      if (this.base !== undefined && candidate > 65535) throw new Error('ran out of local ports above the port base');
      if (this.taken.has(candidate)) continue;
      if (this.base !== undefined && !(await portFree(candidate, this.host))) continue;
      this.taken.add(candidate);
      return candidate;
    }
  }
}

/** Probes listen on the address the processes will use, never wider: a port free there is free for them. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A pod-like name, stable for a workload replica: `<workload>-<hash>-<suffix>`. */
export function podName(walkthrough: string, cluster: string, workload: Workload, replica: number): string {
  const digest = createHash('sha256').update(`${walkthrough}/${cluster}/${workload.metadata.namespace ?? ''}/${workload.metadata.name}`).digest('hex');
  const suffix = createHash('sha256').update(`${digest}/${replica}`).digest('base64url').replace(/[^a-z0-9]/g, '').slice(0, 5).padEnd(5, 'x');
  return `${workload.metadata.name}-${digest.slice(0, 9)}-${suffix}`;
}

export interface BackingEndpoints {
  postgres?: Endpoint;
  redis?: Endpoint;
}

/** The instances of a walkthrough at a step, without ports yet. */
export function plannedInstances(walkthrough: Walkthrough, clusters: readonly ClusterState[], backing: BackingEndpoints): Instance[] {
  const out: Instance[] = [];
  for (const cluster of clusters) {
    for (const resource of cluster.resources) {
      if (resource.kind !== 'Workload') continue;
      const workload = resource;
      const identity = meshIdentityOf(workload, cluster.resources);
      for (let replica = 0; replica < workload.spec.replicas; replica++) {
        const instance: Instance = {
          key: `${walkthrough.name}/${cluster.name}/${workload.metadata.namespace ?? '-'}/${workload.metadata.name}/${replica}`,
          cluster: cluster.name,
          namespace: workload.metadata.namespace,
          workload,
          replica,
          podName: podName(walkthrough.name, cluster.name, workload, replica),
          ports: { tcpEgress: {}, listeners: {} },
          ...(identity ? { identity: { kind: identity.kind, name: identity.name, namespace: identity.namespace } } : {}),
        };
        const component = workload.spec.component;
        if (component === 'postgres') {
          if (!backing.postgres) throw new Error(`${instance.key} needs Postgres, but none was found`);
          instance.upstream = backing.postgres;
        }
        if (component === 'redis') {
          if (!backing.redis) throw new Error(`${instance.key} needs Redis, but none was found`);
          instance.upstream = backing.redis;
        }
        out.push(instance);
      }
    }
  }
  return out;
}

/**
 * Gives every instance the ports it needs, keeping those an instance already had. Entry points
 * (gateways, Kong, load-balanced UIs) are served first, so they sit at the start of the range.
 */
export async function assignPorts(world: MeshWorld, instances: Instance[], previous: Map<string, Instance>, ports: PortAllocator, apps: AppRegistry): Promise<void> {
  const entries = entrySlots(world.walkthrough, world, instances);
  for (const instance of instances) {
    const before = previous.get(instance.key)?.ports;
    const component = instance.workload.spec.component;
    const app = appOf(apps, component);
    const take = async (existing: number | undefined, slot?: string) => {
      if (existing !== undefined) return existing;
      const entry = slot === undefined ? undefined : entries.get(`${instance.key}|${slot}`);
      return entry === undefined ? ports.next() : ports.forEntry(entry);
    };
    const meshed = instance.identity?.kind === 'VirtualNode';
    const listensItself = component === 'envoy-gateway' || component === 'kong';
    if (listensItself) {
      for (const port of instance.workload.spec.ports) instance.ports.listeners[port.port] = await take(before?.listeners[port.port], `listener:${port.port}`);
    }
    if (meshed) instance.ports.ingress = await take(before?.ingress, 'ingress');
    if (app) instance.ports.app = await take(before?.app);
    if (app?.launch.controlPort) instance.ports.control = await take(before?.control);
    if (meshed || listensItself) instance.ports.admin = await take(before?.admin, 'admin');
    if (component === 'kong') instance.ports.kongAdmin = await take(before?.kongAdmin);
    if (meshed) {
      instance.ports.egress = await take(before?.egress, 'egress');
      for (const vs of tcpBackendsOf(world, instance)) {
        const key = virtualServiceKey(vs);
        instance.ports.tcpEgress[key] = await take(before?.tcpEgress[key]);
      }
    }
    if (app) instance.upstream = { host: '127.0.0.1', port: instance.ports.app! };
  }
}

/** The TCP virtual services a meshed instance's node lists as backends (Postgres and Redis clients cannot use HTTP_PROXY). */
export function tcpBackendsOf(world: MeshWorld, instance: Instance): Scoped<VirtualService>[] {
  if (instance.identity?.kind !== 'VirtualNode') return [];
  const node = world.get('VirtualNode', instance.cluster, instance.identity.namespace, instance.identity.name);
  return (node?.object.spec.backends ?? []).flatMap((backend) => {
    const ref = backend.virtualService;
    const vs = world.virtualService(instance.cluster, node!.object.metadata.namespace, ref.virtualServiceRef, ref.virtualServiceARN);
    return vs && isTcpService(world, vs) ? [vs] : [];
  });
}

function isTcpService(world: MeshWorld, vs: Scoped<VirtualService>): boolean {
  const provider = vs.object.spec.provider;
  if (provider?.virtualNode) {
    const node = world.virtualNode(vs.cluster, vs.object.metadata.namespace, provider.virtualNode.virtualNodeRef, provider.virtualNode.virtualNodeARN);
    return node?.object.spec.listeners?.[0]?.portMapping.protocol === 'tcp';
  }
  if (provider?.virtualRouter) {
    const router = world.virtualRouter(vs.cluster, vs.object.metadata.namespace, provider.virtualRouter.virtualRouterRef, provider.virtualRouter.virtualRouterARN);
    return router?.object.spec.listeners[0]?.portMapping.protocol === 'tcp';
  }
  return false;
}
