/**
 * Where a learner points curl or a browser: each entry of a walkthrough (a load balancer, a shell
 * in a pod, an Envoy admin port) as a local URL, and every proxy's admin URL.
 */
import type { Entry, Walkthrough } from '@amw/mesh-manifests';
import { instanceLabel, type Instance, type MeshWorld } from '../control-plane/world.js';

export interface EntryUrls {
  /** Entry name → URL. An `exec` entry is the workload's sidecar, to use as an HTTP proxy. */
  entries: Record<string, string>;
  /** Proxy name → admin URL. */
  admin: Record<string, string>;
}

const url = (port: number) => `http://127.0.0.1:${port}`;

function clusterOf(walkthrough: Walkthrough, entry: Entry): string {
  return entry.cluster ?? walkthrough.clusters[0]!.name;
}

function instanceOf(instances: readonly Instance[], cluster: string, workload: { name: string; namespace?: string }): Instance | undefined {
  return instances.find((i) => i.cluster === cluster && i.workload.metadata.name === workload.name && i.namespace === workload.namespace);
}

type LoadBalancerEntry = Extract<Entry, { kind: 'load-balancer' }>;

/**
 * The instance a load balancer sends to and the container port it targets: the pods of a
 * Kubernetes Service, or (ECS, no Services) the service's tasks, i.e. the workload of that name.
 */
export function loadBalancerTarget(world: MeshWorld, instances: readonly Instance[], entry: LoadBalancerEntry, cluster: string): { instance: Instance; port?: number } | undefined {
  const service = world.get('Service', cluster, entry.service.namespace, entry.service.name);
  if (service) {
    const port = service.object.spec.ports.find((p) => p.port === entry.port) ?? service.object.spec.ports[0];
    const pod = world.podsOf(service)[0];
    if (!pod) return undefined;
    const target = typeof port?.targetPort === 'number' ? port.targetPort : pod.workload.spec.ports.find((p) => p.name === port?.targetPort)?.port;
    return { instance: pod, ...(target !== undefined ? { port: target } : {}) };
  }
  const task = instanceOf([...instances], cluster, entry.service);
  return task ? { instance: task, ...(task.workload.spec.ports[0] ? { port: task.workload.spec.ports[0].port } : {}) } : undefined;
}

/** The local port behind a load balancer: a gateway's or Kong's listener, else the sidecar's ingress. */
export function loadBalancerPort(world: MeshWorld, instances: readonly Instance[], entry: LoadBalancerEntry, cluster: string): number | undefined {
  const target = loadBalancerTarget(world, instances, entry, cluster);
  if (!target) return undefined;
  const { instance, port } = target;
  if (port !== undefined && instance.ports.listeners[port] !== undefined) return instance.ports.listeners[port];
  return instance.ports.ingress ?? instance.ports.app;
}

/**
 * Which instance port each entry is (`<instance key>|<slot>` → entry index), so entries get the
 * fixed ports the guides print: a load balancer is a gateway's listener or a sidecar's ingress,
 * an `exec` entry a sidecar's egress, an admin entry a proxy's admin port.
 */
export function entrySlots(walkthrough: Walkthrough, world: MeshWorld, instances: readonly Instance[]): Map<string, number> {
  const slots = new Map<string, number>();
  walkthrough.entries.forEach((entry, index) => {
    const cluster = clusterOf(walkthrough, entry);
    if (entry.kind === 'load-balancer') {
      const target = loadBalancerTarget(world, instances, entry, cluster);
      if (!target) return;
      const { instance, port } = target;
      const component = instance.workload.spec.component;
      const listens = component === 'envoy-gateway' || component === 'kong';
      slots.set(`${instance.key}|${listens && port !== undefined ? `listener:${port}` : 'ingress'}`, index);
      return;
    }
    const instance = instanceOf(instances, cluster, entry.workload);
    if (instance) slots.set(`${instance.key}|${entry.kind === 'exec' ? 'egress' : 'admin'}`, index);
  });
  return slots;
}

export function entryUrls(walkthrough: Walkthrough, world: MeshWorld, instances: Instance[]): EntryUrls {
  const entries: Record<string, string> = {};
  for (const entry of walkthrough.entries) {
    const cluster = clusterOf(walkthrough, entry);
    if (entry.kind === 'load-balancer') {
      const port = loadBalancerPort(world, instances, entry, cluster);
      if (port !== undefined) entries[entry.name] = url(port);
    } else {
      const instance = instanceOf(instances, cluster, entry.workload);
      const port = entry.kind === 'exec' ? instance?.ports.egress : instance?.ports.admin;
      if (port !== undefined) entries[entry.name] = url(port);
    }
  }
  const admin: Record<string, string> = {};
  for (const instance of instances) {
    const name = instanceLabel(instance);
    if (instance.ports.admin !== undefined) admin[name] = url(instance.ports.admin);
    if (instance.ports.kongAdmin !== undefined) admin[`${name}/kong`] = url(instance.ports.kongAdmin);
  }
  return { entries, admin };
}
