/**
 * A local registry with AWS Cloud Map's semantics: namespaces (HTTP or private DNS), services,
 * instances with attributes and a health status, and DiscoverInstances filtering by attributes
 * and health — what App Mesh asks Cloud Map for a virtual node with `serviceDiscovery.awsCloudMap`.
 */

export type NamespaceType = 'HTTP' | 'DNS_PRIVATE';
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
export type HealthStatusFilter = 'HEALTHY' | 'UNHEALTHY' | 'ALL' | 'HEALTHY_OR_ELSE_ALL';

export interface CloudMapInstance {
  instanceId: string;
  namespaceName: string;
  serviceName: string;
  attributes: Record<string, string>;
  healthStatus: HealthStatus;
}

interface ServiceEntry {
  name: string;
  /** Services created with HealthCheckCustomConfig report health; others stay UNKNOWN. */
  customHealth: boolean;
  instances: Map<string, CloudMapInstance>;
}

export class CloudMapError extends Error {
  constructor(
    readonly code: 'NamespaceNotFound' | 'ServiceNotFound' | 'InstanceNotFound',
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export class CloudMapRegistry {
  private readonly namespaces = new Map<string, { type: NamespaceType; services: Map<string, ServiceEntry> }>();

  createNamespace(name: string, type: NamespaceType): void {
    if (!this.namespaces.has(name)) this.namespaces.set(name, { type, services: new Map() });
  }

  createService(namespaceName: string, serviceName: string, options: { customHealth?: boolean } = {}): void {
    const ns = this.namespace(namespaceName);
    if (!ns.services.has(serviceName)) {
      ns.services.set(serviceName, { name: serviceName, customHealth: options.customHealth ?? true, instances: new Map() });
    }
  }

  registerInstance(namespaceName: string, serviceName: string, instanceId: string, attributes: Record<string, string>): CloudMapInstance {
    const service = this.service(namespaceName, serviceName);
    const instance: CloudMapInstance = {
      instanceId,
      namespaceName,
      serviceName,
      attributes: { ...attributes },
      // Custom health starts HEALTHY (Cloud Map's behaviour) until someone reports otherwise.
      healthStatus: service.customHealth ? 'HEALTHY' : 'UNKNOWN',
    };
    service.instances.set(instanceId, instance);
    return instance;
  }

  deregisterInstance(namespaceName: string, serviceName: string, instanceId: string): void {
    const service = this.service(namespaceName, serviceName);
    if (!service.instances.delete(instanceId)) {
      throw new CloudMapError('InstanceNotFound', `instance ${instanceId} is not registered in ${serviceName}.${namespaceName}`);
    }
  }

  /** UpdateInstanceCustomHealthStatus: only for services that use custom health checks. */
  updateInstanceCustomHealthStatus(namespaceName: string, serviceName: string, instanceId: string, status: 'HEALTHY' | 'UNHEALTHY'): void {
    const service = this.service(namespaceName, serviceName);
    const instance = service.instances.get(instanceId);
    if (!instance) throw new CloudMapError('InstanceNotFound', `instance ${instanceId} is not registered in ${serviceName}.${namespaceName}`);
    if (service.customHealth) instance.healthStatus = status;
  }

  /** DiscoverInstances: every query parameter must equal the instance's attribute of that key. */
  discoverInstances(
    namespaceName: string,
    serviceName: string,
    options: { queryParameters?: Record<string, string>; healthStatus?: HealthStatusFilter } = {},
  ): CloudMapInstance[] {
    const service = this.service(namespaceName, serviceName);
    const query = Object.entries(options.queryParameters ?? {});
    const matching = [...service.instances.values()].filter((instance) => query.every(([k, v]) => instance.attributes[k] === v));
    const filter = options.healthStatus ?? 'HEALTHY';
    const healthy = matching.filter((i) => i.healthStatus === 'HEALTHY');
    switch (filter) {
      case 'ALL':
        return matching;
      case 'HEALTHY':
        return healthy;
      case 'UNHEALTHY':
        return matching.filter((i) => i.healthStatus === 'UNHEALTHY');
      case 'HEALTHY_OR_ELSE_ALL':
        return healthy.length > 0 ? healthy : matching;
    }
  }

  /** Everything, for the orchestrator's status page and `walkthrough cloudmap`. */
  snapshot(): { namespace: string; type: NamespaceType; service: string; instances: CloudMapInstance[] }[] {
    return [...this.namespaces].flatMap(([namespace, ns]) =>
      [...ns.services.values()].map((service) => ({ namespace, type: ns.type, service: service.name, instances: [...service.instances.values()] })),
    );
  }

  private namespace(name: string) {
    const ns = this.namespaces.get(name);
    if (!ns) throw new CloudMapError('NamespaceNotFound', `Cloud Map namespace ${name} does not exist`);
    return ns;
  }

  private service(namespaceName: string, serviceName: string): ServiceEntry {
    const service = this.namespace(namespaceName).services.get(serviceName);
    if (!service) throw new CloudMapError('ServiceNotFound', `Cloud Map service ${serviceName} does not exist in namespace ${namespaceName}`);
    return service;
  }
}
