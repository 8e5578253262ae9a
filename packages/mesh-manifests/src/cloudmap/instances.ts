/**
 * The instances registered in each service of the walkthrough and their health as Cloud Map reports
 * it (GetInstancesHealthStatus), with what UNKNOWN and UNHEALTHY mean for that service: the status
 * comes from a Route 53 health check, from whoever registered the instance (a custom health check:
 * ECS, the App Mesh controller), or from nobody at all.
 */
import {
  paginateGetInstancesHealthStatus,
  paginateListInstances,
  type InstanceSummary,
  type ServiceDiscoveryClient,
  type ServiceSummary,
} from '@aws-sdk/client-servicediscovery';
import type { NamespacePlan } from './inspect.js';

export type Health = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

async function instancesOf(client: ServiceDiscoveryClient, serviceId: string): Promise<InstanceSummary[]> {
  const all: InstanceSummary[] = [];
  for await (const page of paginateListInstances({ client }, { ServiceId: serviceId })) all.push(...(page.Instances ?? []));
  return all;
}

async function healthOf(client: ServiceDiscoveryClient, serviceId: string): Promise<Map<string, Health>> {
  const statuses = new Map<string, Health>();
  try {
    for await (const page of paginateGetInstancesHealthStatus({ client }, { ServiceId: serviceId })) {
      for (const [id, status] of Object.entries(page.Status ?? {})) statuses.set(id, status as Health);
    }
  } catch (error) {
    // A service without any health check has no status to report: every instance is UNKNOWN.
    if (!(error instanceof Error && error.name === 'InvalidInput')) throw error;
  }
  return statuses;
}

function checkKind(service: ServiceSummary): 'route53' | 'custom' | 'none' {
  if (service.HealthCheckConfig) return 'route53';
  if (service.HealthCheckCustomConfig) return 'custom';
  return 'none';
}

function address(instance: InstanceSummary): string {
  const attributes = instance.Attributes ?? {};
  const ip = attributes.AWS_INSTANCE_IPV4 ?? attributes.AWS_INSTANCE_IPV6 ?? '(no address attribute)';
  return attributes.AWS_INSTANCE_PORT ? `${ip}:${attributes.AWS_INSTANCE_PORT}` : ip;
}

const EXPLAIN = {
  unknownNone: (svc: string) =>
    `UNKNOWN in ${svc}: the service has no health check (neither HealthCheckConfig nor HealthCheckCustomConfig), so Cloud Map never knows; discovery returns its instances regardless.`,
  unknownCustom: (svc: string) =>
    `UNKNOWN in ${svc}: custom health not reported yet — whoever registered the instance (ECS, the App Mesh controller) reports it with UpdateInstanceCustomHealthStatus once the task or pod is healthy; a just-registered instance has none for a short while.`,
  unknownRoute53: (svc: string) => `UNKNOWN in ${svc}: Route 53 has not finished its first health checks of the instance yet.`,
  unhealthy: (svc: string, kind: 'route53' | 'custom' | 'none') =>
    kind === 'route53'
      ? `UNHEALTHY in ${svc}: Route 53's health check of the instance's address fails; DNS answers and DiscoverInstances (HEALTHY) leave it out.`
      : `UNHEALTHY in ${svc}: its registrar reported it unhealthy (on ECS: an essential container's health check fails, e.g. Envoy not LIVE on its admin port); DNS answers and DiscoverInstances (HEALTHY) leave it out.`,
};

/** Lines a learner reads: each namespace, service, instance and health, then what the odd statuses mean. */
export async function describeInstances(client: ServiceDiscoveryClient, plans: readonly NamespacePlan[], walkthrough: string): Promise<string[]> {
  const lines: string[] = [];
  const explanations = new Set<string>();
  for (const plan of plans) {
    if (plan.clash) {
      lines.push(`namespace ${plan.desired.name}: ${plan.clash}`);
      continue;
    }
    if (!plan.existing) {
      lines.push(`namespace ${plan.desired.name}: not created yet (run \`pnpm mesh cloudmap apply ${walkthrough}\`, or deploy the walkthrough's templates)`);
      continue;
    }
    lines.push(`namespace ${plan.desired.name} (${plan.existing.Id})`);
    for (const service of plan.services) {
      if (!service.existing?.Id) {
        lines.push(`  ${service.desired.name}: no such service yet`);
        continue;
      }
      const kind = checkKind(service.existing);
      const instances = await instancesOf(client, service.existing.Id);
      const health = instances.length ? await healthOf(client, service.existing.Id) : new Map<string, Health>();
      const check = kind === 'custom' ? 'custom health check' : kind === 'route53' ? 'Route 53 health check' : 'no health check';
      lines.push(`  ${service.desired.name} (${service.existing.Id}, ${check}): ${instances.length ? `${instances.length} instance${instances.length === 1 ? '' : 's'}` : 'no instance registered'}`);
      for (const instance of [...instances].sort((a, b) => (a.Id ?? '').localeCompare(b.Id ?? ''))) {
        const status = health.get(instance.Id ?? '') ?? 'UNKNOWN';
        lines.push(`    ${instance.Id}  ${address(instance)}  ${status}`);
        if (status === 'UNKNOWN') explanations.add(kind === 'none' ? EXPLAIN.unknownNone(service.desired.name) : kind === 'custom' ? EXPLAIN.unknownCustom(service.desired.name) : EXPLAIN.unknownRoute53(service.desired.name));
        if (status === 'UNHEALTHY') explanations.add(EXPLAIN.unhealthy(service.desired.name, kind));
      }
    }
  }
  return [...lines, ...[...explanations]];
}
