/**
 * What Cloud Map already holds, set against what the walkthrough needs: per namespace, whether it
 * exists (and as which type: a name taken by a namespace of another type is a clash, which nothing
 * here resolves for you), and per service whether it exists. Only reads; every list is paginated.
 */
import {
  paginateListNamespaces,
  paginateListServices,
  type NamespaceSummary,
  type ServiceDiscoveryClient,
  type ServiceSummary,
} from '@aws-sdk/client-servicediscovery';
import type { DesiredNamespace, DesiredService, NamespaceKind } from './desired.js';

export const API_TYPE: Record<NamespaceKind, string> = { http: 'HTTP', 'dns-private': 'DNS_PRIVATE' };
export const KIND_LABEL: Record<NamespaceKind, string> = { http: 'HTTP (API discovery only)', 'dns-private': 'private DNS' };

export interface ServicePlan {
  desired: DesiredService;
  existing?: ServiceSummary;
}

export interface NamespacePlan {
  desired: DesiredNamespace;
  existing?: NamespaceSummary;
  /** Set when the name is taken by a namespace of another type. */
  clash?: string;
  services: ServicePlan[];
}

export async function listNamespaces(client: ServiceDiscoveryClient): Promise<NamespaceSummary[]> {
  const all: NamespaceSummary[] = [];
  for await (const page of paginateListNamespaces({ client }, {})) all.push(...(page.Namespaces ?? []));
  return all;
}

export async function listServices(client: ServiceDiscoveryClient, namespaceId: string): Promise<ServiceSummary[]> {
  const all: ServiceSummary[] = [];
  for await (const page of paginateListServices({ client }, { Filters: [{ Name: 'NAMESPACE_ID', Values: [namespaceId], Condition: 'EQ' }] })) {
    all.push(...(page.Services ?? []));
  }
  return all;
}

export async function inspect(client: ServiceDiscoveryClient, desired: readonly DesiredNamespace[]): Promise<NamespacePlan[]> {
  const namespaces = await listNamespaces(client);
  const plans: NamespacePlan[] = [];
  for (const want of desired) {
    const sameName = namespaces.filter((n) => n.Name === want.name);
    const match = sameName.find((n) => n.Type === API_TYPE[want.kind]);
    if (!match && sameName.length) {
      const other = sameName[0]!;
      plans.push({
        desired: want,
        existing: other,
        clash: `namespace ${want.name} exists as ${other.Type} (${other.Id}) but the walkthrough needs a ${KIND_LABEL[want.kind]} namespace: delete it or work in another region`,
        services: want.services.map((s) => ({ desired: s })),
      });
      continue;
    }
    const services = match?.Id ? await listServices(client, match.Id) : [];
    plans.push({
      desired: want,
      ...(match ? { existing: match } : {}),
      services: want.services.map((s) => {
        const existing = services.find((e) => e.Name === s.name);
        return existing ? { desired: s, existing } : { desired: s };
      }),
    });
  }
  return plans;
}

export function missingCount(plans: readonly NamespacePlan[]): number {
  return plans.reduce((sum, p) => sum + (p.existing ? 0 : 1) + p.services.filter((s) => !s.existing).length, 0);
}

function record(s: DesiredService): string {
  return s.dnsRecord ? `${s.dnsRecord.type} record, TTL ${s.dnsRecord.ttl}` : 'API discovery';
}

/** The plan as lines a learner reads. */
export function describePlan(plans: readonly NamespacePlan[]): string[] {
  const lines: string[] = [];
  const clusters = new Set(plans.map((p) => p.desired.cluster));
  for (const plan of plans) {
    const where = clusters.size > 1 ? ` — ${plan.desired.cluster} cluster, ${plan.desired.account}` : '';
    const note = plan.desired.declared ? '' : ' (not declared by the definition; an awsCloudMap node names it)';
    const state = plan.clash ? `CLASH: ${plan.clash}` : plan.existing ? `exists, ${plan.existing.Id}` : 'to create';
    lines.push(`namespace ${plan.desired.name}, ${KIND_LABEL[plan.desired.kind]}${where}${note}: ${state}`);
    for (const service of plan.services) {
      const status = service.existing
        ? `exists, ${service.existing.Id} (${service.existing.InstanceCount ?? 0} instance${service.existing.InstanceCount === 1 ? '' : 's'})`
        : plan.clash
          ? 'blocked by the clash'
          : `to create (${record(service.desired)})`;
      lines.push(`  service ${service.desired.name}: ${status} — ${service.desired.reason}`);
    }
  }
  return lines;
}
