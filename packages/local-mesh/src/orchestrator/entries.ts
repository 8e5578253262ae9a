/**
 * Where a learner points curl or a browser: each entry of a walkthrough (a load balancer, a shell
 * in a pod, an Envoy admin port) as a local URL, and every proxy's admin URL.
 */
import type { Entry, Walkthrough } from '@amw/mesh-manifests';
import type { Instance, MeshWorld } from '../control-plane/world.js';

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

function instanceOf(instances: Instance[], cluster: string, workload: { name: string; namespace?: string }): Instance | undefined {
  return instances.find((i) => i.cluster === cluster && i.workload.metadata.name === workload.name && i.namespace === workload.namespace);
}

/** The local port a load balancer's Service reaches: a gateway's or Kong's listener, else the pod's sidecar ingress. */
export function loadBalancerPort(world: MeshWorld, entry: Extract<Entry, { kind: 'load-balancer' }>, cluster: string): number | undefined {
  const service = world.get('Service', cluster, entry.service.namespace, entry.service.name);
  if (!service) return undefined;
  const port = service.object.spec.ports.find((p) => p.port === entry.port) ?? service.object.spec.ports[0];
  const pod = world.podsOf(service)[0];
  if (!port || !pod) return undefined;
  const target = typeof port.targetPort === 'number' ? port.targetPort : pod.workload.spec.ports.find((p) => p.name === port.targetPort)?.port;
  if (target !== undefined && pod.ports.listeners[target] !== undefined) return pod.ports.listeners[target];
  return pod.ports.ingress ?? pod.ports.app;
}

export function entryUrls(walkthrough: Walkthrough, world: MeshWorld, instances: Instance[]): EntryUrls {
  const entries: Record<string, string> = {};
  for (const entry of walkthrough.entries) {
    const cluster = clusterOf(walkthrough, entry);
    if (entry.kind === 'load-balancer') {
      const port = loadBalancerPort(world, entry, cluster);
      if (port !== undefined) entries[entry.name] = url(port);
    } else {
      const instance = instanceOf(instances, cluster, entry.workload);
      const port = entry.kind === 'exec' ? instance?.ports.egress : instance?.ports.admin;
      if (port !== undefined) entries[entry.name] = url(port);
    }
  }
  const admin: Record<string, string> = {};
  for (const instance of instances) {
    const replica = instance.workload.spec.replicas > 1 ? `-${instance.replica}` : '';
    const scope = instance.cluster === 'main' ? '' : `${instance.cluster}:`;
    const name = `${scope}${instance.workload.metadata.name}${replica}`;
    if (instance.ports.admin !== undefined) admin[name] = url(instance.ports.admin);
    if (instance.ports.kongAdmin !== undefined) admin[`${name}/kong`] = url(instance.ports.kongAdmin);
  }
  return { entries, admin };
}
