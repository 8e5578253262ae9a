/**
 * An in-memory Cloud Map behind aws-sdk-client-mock: namespaces, services, instances and their
 * health, asynchronous namespace operations, pages of a chosen size, and failures on demand. It
 * stands in for AWS, never for our code: the real ServiceDiscoveryClient and its paginators run.
 */
import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  GetInstancesHealthStatusCommand,
  GetOperationCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  NamespaceAlreadyExists,
  ServiceDiscoveryClient,
  type NamespaceSummary,
  type ServiceSummary,
} from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';

export interface FakeInstance {
  id: string;
  ip: string;
  health?: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
}

export class FakeCloudMap {
  readonly namespaces: (NamespaceSummary & { Vpc?: string })[] = [];
  readonly services: (ServiceSummary & { NamespaceId: string })[] = [];
  readonly instances = new Map<string, FakeInstance[]>();
  /** Items per page of every List call. */
  pageSize = 2;
  /** GetOperation answers PENDING this many times before SUCCESS. */
  pendingPolls = 0;
  /** CreateService for these names fails with this error (until removed). */
  readonly failingServices = new Map<string, Error>();
  readonly calls: string[] = [];
  private operations = new Map<string, { polls: number; namespaceId: string }>();
  private counter = 0;
  readonly mock = mockClient(ServiceDiscoveryClient);

  constructor() {
    this.mock.on(ListNamespacesCommand).callsFake((input: { NextToken?: string }) => {
      this.calls.push('ListNamespaces');
      return this.page(this.namespaces.map(({ Vpc: _vpc, ...n }) => n), input.NextToken, 'Namespaces');
    });
    this.mock.on(ListServicesCommand).callsFake((input: { NextToken?: string; Filters?: { Values?: string[] }[] }) => {
      this.calls.push('ListServices');
      const namespaceId = input.Filters?.[0]?.Values?.[0];
      const services = this.services.filter((s) => s.NamespaceId === namespaceId).map((s) => ({ ...s, InstanceCount: this.instances.get(s.Id!)?.length ?? 0 }));
      return this.page(services, input.NextToken, 'Services');
    });
    const createNamespace = (type: 'HTTP' | 'DNS_PRIVATE') => (input: { Name: string; Vpc?: string }) => {
      this.calls.push(`Create${type === 'HTTP' ? 'Http' : 'PrivateDns'}Namespace ${input.Name}`);
      if (this.namespaces.some((n) => n.Name === input.Name && (type === 'HTTP' || n.Vpc === input.Vpc))) {
        throw new NamespaceAlreadyExists({ message: `Namespace ${input.Name} already exists`, $metadata: {} });
      }
      const id = `ns-${++this.counter}`;
      const operation = `op-${this.counter}`;
      this.operations.set(operation, { polls: 0, namespaceId: id });
      this.namespaces.push({ Id: id, Name: input.Name, Type: type, ...(input.Vpc ? { Vpc: input.Vpc } : {}) });
      return { OperationId: operation };
    };
    this.mock.on(CreateHttpNamespaceCommand).callsFake(createNamespace('HTTP'));
    this.mock.on(CreatePrivateDnsNamespaceCommand).callsFake(createNamespace('DNS_PRIVATE'));
    this.mock.on(GetOperationCommand).callsFake((input: { OperationId: string }) => {
      this.calls.push(`GetOperation ${input.OperationId}`);
      const op = this.operations.get(input.OperationId)!;
      op.polls++;
      return op.polls <= this.pendingPolls
        ? { Operation: { Id: input.OperationId, Status: 'PENDING' } }
        : { Operation: { Id: input.OperationId, Status: 'SUCCESS', Targets: { NAMESPACE: op.namespaceId } } };
    });
    this.mock.on(CreateServiceCommand).callsFake((input: { Name: string; NamespaceId: string; DnsConfig?: unknown; HealthCheckCustomConfig?: unknown }) => {
      this.calls.push(`CreateService ${input.Name}`);
      const failure = this.failingServices.get(input.Name);
      if (failure) throw failure;
      const service = { Id: `srv-${++this.counter}`, Name: input.Name, NamespaceId: input.NamespaceId, ...(input.DnsConfig ? { DnsConfig: input.DnsConfig } : {}), ...(input.HealthCheckCustomConfig ? { HealthCheckCustomConfig: input.HealthCheckCustomConfig } : {}) } as ServiceSummary & { NamespaceId: string };
      this.services.push(service);
      return { Service: service };
    });
    this.mock.on(ListInstancesCommand).callsFake((input: { ServiceId: string; NextToken?: string }) => {
      this.calls.push(`ListInstances ${input.ServiceId}`);
      const instances = (this.instances.get(input.ServiceId) ?? []).map((i) => ({ Id: i.id, Attributes: { AWS_INSTANCE_IPV4: i.ip } }));
      return this.page(instances, input.NextToken, 'Instances');
    });
    this.mock.on(GetInstancesHealthStatusCommand).callsFake((input: { ServiceId: string; NextToken?: string }) => {
      this.calls.push(`GetInstancesHealthStatus ${input.ServiceId}`);
      const entries = (this.instances.get(input.ServiceId) ?? []).map((i) => [i.id, i.health ?? 'UNKNOWN'] as const);
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const slice = entries.slice(start, start + this.pageSize);
      return { Status: Object.fromEntries(slice), ...(start + this.pageSize < entries.length ? { NextToken: String(start + this.pageSize) } : {}) };
    });
  }

  private page<T>(items: T[], token: string | undefined, key: string) {
    const start = token ? Number(token) : 0;
    return { [key]: items.slice(start, start + this.pageSize), ...(start + this.pageSize < items.length ? { NextToken: String(start + this.pageSize) } : {}) };
  }

  addNamespace(name: string, type: 'HTTP' | 'DNS_PRIVATE'): string {
    const id = `ns-${++this.counter}`;
    this.namespaces.push({ Id: id, Name: name, Type: type });
    return id;
  }

  addService(namespaceId: string, name: string, options: { custom?: boolean; instances?: FakeInstance[] } = {}): string {
    const id = `srv-${++this.counter}`;
    this.services.push({ Id: id, Name: name, NamespaceId: namespaceId, ...(options.custom === false ? {} : { HealthCheckCustomConfig: {} }) });
    if (options.instances) this.instances.set(id, options.instances);
    return id;
  }

  restore(): void {
    this.mock.restore();
  }
}
