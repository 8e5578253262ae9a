/**
 * Creates what the plan lacks, one object at a time, printing as it goes. A namespace is created
 * asynchronously by Cloud Map: we wait on its operation (GetOperation) before creating its
 * services. A failure of one object does not stop the others; the result says what is left, and
 * running it again finishes the job, since everything that exists is skipped.
 */
import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  GetOperationCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { CloudMapError, fatalMessage, objectMessage } from './errors.js';
import type { NamespacePlan } from './inspect.js';

export interface ApplyOptions {
  /** Required to create a private DNS namespace: the VPC whose resolver answers for it. */
  vpc?: string;
  print: (line: string) => void;
  /** Between two GetOperation calls. */
  pollIntervalMs?: number;
  /** Give up waiting for a namespace after this long. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ApplyResult {
  created: string[];
  /** What is still missing, each with why. */
  leftToDo: { what: string; reason: string }[];
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rethrows what no later call would survive (credentials, region, access); returns the one-line reason otherwise. */
function reasonOf(error: unknown): string {
  const fatal = fatalMessage(error);
  if (fatal) throw new CloudMapError(fatal);
  return objectMessage(error);
}

async function waitForNamespace(client: ServiceDiscoveryClient, operationId: string, name: string, options: ApplyOptions): Promise<string> {
  const sleep = options.sleep ?? defaultSleep;
  const interval = options.pollIntervalMs ?? 2000;
  const deadline = Date.now() + (options.maxWaitMs ?? 300_000);
  let last: string | undefined;
  for (;;) {
    const { Operation: operation } = await client.send(new GetOperationCommand({ OperationId: operationId }));
    const status = operation?.Status ?? 'UNKNOWN';
    if (status !== last) {
      options.print(`  operation ${operationId}: ${status}`);
      last = status;
    }
    if (status === 'SUCCESS') {
      const id = operation?.Targets?.NAMESPACE;
      if (!id) throw new Error(`operation ${operationId} succeeded without naming the namespace it created`);
      return id;
    }
    if (status === 'FAIL') throw new Error(`Cloud Map could not create namespace ${name}: ${operation?.ErrorMessage ?? `operation ${operationId} failed`}`);
    if (Date.now() >= deadline) {
      throw new Error(`namespace ${name} is still ${status} after waiting; see \`aws servicediscovery get-operation --operation-id ${operationId}\``);
    }
    await sleep(interval);
  }
}

export async function applyPlan(client: ServiceDiscoveryClient, plans: readonly NamespacePlan[], options: ApplyOptions): Promise<ApplyResult> {
  const clashes = plans.filter((p) => p.clash);
  if (clashes.length) throw new CloudMapError(`${clashes[0]!.clash}; nothing was created`);
  const needsVpc = plans.find((p) => !p.existing && p.desired.kind === 'dns-private');
  if (needsVpc && !options.vpc) {
    throw new CloudMapError(`namespace ${needsVpc.desired.name} is a private DNS namespace: pass --vpc <vpc-id> (the VPC the tasks run in); nothing was created`);
  }
  const result: ApplyResult = { created: [], leftToDo: [] };
  for (const plan of plans) {
    const name = plan.desired.name;
    let namespaceId = plan.existing?.Id;
    if (!namespaceId) {
      options.print(`creating namespace ${name} (${plan.desired.kind === 'http' ? 'HTTP' : `private DNS in ${options.vpc}`})`);
      try {
        const description = `Service discovery for the ${plan.desired.cluster} cluster (@amw/mesh-manifests)`;
        const { OperationId } =
          plan.desired.kind === 'http'
            ? await client.send(new CreateHttpNamespaceCommand({ Name: name, Description: description }))
            : await client.send(new CreatePrivateDnsNamespaceCommand({ Name: name, Vpc: options.vpc!, Description: description }));
        if (!OperationId) throw new Error('Cloud Map returned no operation ID');
        namespaceId = await waitForNamespace(client, OperationId, name, options);
        options.print(`created namespace ${name}: ${namespaceId}`);
        result.created.push(`namespace ${name}`);
      } catch (error) {
        const reason = reasonOf(error);
        options.print(`FAILED namespace ${name}: ${reason}`);
        result.leftToDo.push({ what: `namespace ${name}`, reason });
        for (const s of plan.services.filter((s) => !s.existing)) {
          result.leftToDo.push({ what: `service ${s.desired.name} in ${name}`, reason: 'its namespace is missing' });
        }
        continue;
      }
    }
    for (const service of plan.services.filter((s) => !s.existing)) {
      const label = `service ${service.desired.name} in ${name}`;
      options.print(`creating ${label}`);
      try {
        const record = service.desired.dnsRecord;
        const { Service: created } = await client.send(
          new CreateServiceCommand({
            Name: service.desired.name,
            NamespaceId: namespaceId,
            ...(record ? { DnsConfig: { DnsRecords: [{ Type: record.type, TTL: record.ttl }], RoutingPolicy: 'MULTIVALUE' } } : {}),
            // Whoever registers the instances (ECS, the App Mesh controller) reports their health.
            HealthCheckCustomConfig: {},
          }),
        );
        options.print(`created ${label}: ${created?.Id ?? '(no ID returned)'}`);
        result.created.push(label);
      } catch (error) {
        if (error instanceof Error && error.name === 'ServiceAlreadyExists') {
          options.print(`${label} already exists (created meanwhile)`);
          continue;
        }
        const reason = reasonOf(error);
        options.print(`FAILED ${label}: ${reason}`);
        result.leftToDo.push({ what: label, reason });
      }
    }
  }
  return result;
}
