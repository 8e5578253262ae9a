/**
 * How ECS tasks are found: through Cloud Map. A task registers in the Cloud Map service its
 * virtual node names (`awsCloudMap`, or the first label of a DNS hostname inside a Cloud Map
 * namespace), or, for a task no node describes (a gateway), in the service named after it that
 * the walkthrough's namespace lists. A node whose hostname no Cloud Map namespace serves would
 * never resolve on ECS: that is an error, not a silent gap.
 */
import type { CloudMapNamespace } from '../../model/aws.js';
import { meshIdentityOf, ofKind, type ClusterState } from '../../model/state.js';
import type { Walkthrough } from '../../model/walkthrough.js';
import type { Workload } from '../../model/workload.js';
import { logicalId } from './template.js';

export interface Registration {
  namespace: CloudMapNamespace;
  service: string;
  dnsRecord?: { type: 'A'; ttl: number };
}

/** The default record of a DNS namespace's service that the walkthrough does not describe: the original's A record, TTL 300. */
export const DEFAULT_DNS_RECORD = { type: 'A' as const, ttl: 300 };

export function namespaceParameter(namespace: CloudMapNamespace): string {
  return `${logicalId(namespace.metadata.name)}NamespaceId`;
}

function describe(namespace: CloudMapNamespace, service: string): Registration {
  const listed = namespace.spec.services?.find((s) => s.name === service);
  const dnsRecord = namespace.spec.type === 'dns-private' ? (listed?.dnsRecord ?? DEFAULT_DNS_RECORD) : undefined;
  return { namespace, service, ...(dnsRecord ? { dnsRecord } : {}) };
}

export function registrationOf(walkthrough: Walkthrough, cluster: ClusterState, workload: Workload): Registration | undefined {
  const namespaces = ofKind(cluster.resources, 'CloudMapNamespace');
  const identity = meshIdentityOf(workload, cluster.resources);
  const where = `${walkthrough.name}: workload ${workload.metadata.name}`;
  if (identity?.kind === 'VirtualNode') {
    const node = ofKind(cluster.resources, 'VirtualNode').find((n) => n.metadata.name === identity.name && n.metadata.namespace === identity.namespace);
    if (!node) throw new Error(`${where} speaks for virtual node ${identity.name}, which the cluster does not define`);
    const sd = node.spec.serviceDiscovery;
    if (sd?.awsCloudMap) {
      const namespace = namespaces.find((n) => n.metadata.name === sd.awsCloudMap!.namespaceName);
      if (!namespace) throw new Error(`${where}: node ${node.metadata.name} uses Cloud Map namespace ${sd.awsCloudMap.namespaceName}, which the walkthrough does not define`);
      if (sd.awsCloudMap.attributes?.length) {
        throw new Error(`${where}: ECS registers tasks without custom attributes, so node ${node.metadata.name}'s attribute filter would match none`);
      }
      return describe(namespace, sd.awsCloudMap.serviceName);
    }
    if (sd?.dns) {
      const hostname = sd.dns.hostname;
      const namespace = namespaces.find((n) => n.spec.type === 'dns-private' && hostname.endsWith(`.${n.metadata.name}`));
      const service = namespace ? hostname.slice(0, -namespace.metadata.name.length - 1) : undefined;
      if (!namespace || !service || service.includes('.')) {
        throw new Error(`${where}: node ${node.metadata.name}'s hostname ${hostname} is a service of no private DNS namespace of the walkthrough; on ECS tasks are found only through Cloud Map`);
      }
      return describe(namespace, service);
    }
    return undefined;
  }
  const listing = namespaces.find((n) => n.spec.services?.some((s) => s.name === workload.metadata.name));
  return listing ? describe(listing, workload.metadata.name) : undefined;
}

/** Every Cloud Map service a state needs: those its namespaces list and those its tasks register in. */
export function cloudMapServices(walkthrough: Walkthrough, cluster: ClusterState): Registration[] {
  const found = new Map<string, Registration>();
  for (const namespace of ofKind(cluster.resources, 'CloudMapNamespace')) {
    for (const service of namespace.spec.services ?? []) found.set(`${namespace.metadata.name}/${service.name}`, describe(namespace, service.name));
  }
  for (const workload of ofKind(cluster.resources, 'Workload')) {
    const registration = registrationOf(walkthrough, cluster, workload);
    if (registration) found.set(`${registration.namespace.metadata.name}/${registration.service}`, registration);
  }
  return [...found.values()];
}

export function discoveryServiceId(registration: Registration): string {
  return `${logicalId(registration.service)}DiscoveryService`;
}
