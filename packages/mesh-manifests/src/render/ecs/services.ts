/**
 * The services template of an ECS walkthrough at one step: a task definition and an ECS service per
 * workload, the Cloud Map services the tasks register in, and a Network Load Balancer for every
 * load-balancer entry. Everything that exists before the walkthrough (VPC, subnets) or that the
 * base stack creates (cluster, roles, log group, security group, namespaces) is a parameter, and so
 * are the images.
 */
import { APPMESH_ENVOY_IMAGE } from '../../model/envoy-image.js';
import { meshIdentityOf, ofKind, type ClusterState } from '../../model/state.js';
import type { Walkthrough } from '../../model/walkthrough.js';
import type { Workload } from '../../model/workload.js';
import { awsNameOf } from '../cli-json/objects.js';
import { certificateFile, filesReadBy, type CertificateFile } from './certificates.js';
import { cloudMapServices, discoveryServiceId, namespaceParameter, registrationOf, type Registration } from './discovery.js';
import { taskDefinition } from './tasks.js';
import { getAtt, logicalId, ref, type CfnParameter, type CfnResource, type CfnTemplate, type Json } from './template.js';

export interface ServicesContext {
  walkthrough: Walkthrough;
  /** Example registry shown as the ImageRegistry default. */
  registry: string;
  /** Namespaces of any step (parameters may not change between steps). */
  namespaceParameters: string[];
  hasLoadBalancer: boolean;
}

export function loadBalancerEntries(walkthrough: Walkthrough, clusterName: string) {
  return walkthrough.entries.filter(
    (e): e is Extract<typeof e, { kind: 'load-balancer' }> => e.kind === 'load-balancer' && (e.cluster ?? walkthrough.clusters[0]!.name) === clusterName,
  );
}

/** The services stack's output holding an entry's load balancer address. */
export function entryOutput(entryName: string): string {
  return `${logicalId(entryName)}Endpoint`;
}

export function servicesParameters(context: ServicesContext): Record<string, CfnParameter> {
  return {
    ...(context.hasLoadBalancer
      ? {
          VpcId: { Type: 'AWS::EC2::VPC::Id', Description: 'The VPC the tasks and the load balancer run in' },
          LoadBalancerSubnets: { Type: 'List<AWS::EC2::Subnet::Id>', Description: 'Public subnets for the internet-facing Network Load Balancer, one per Availability Zone' },
        }
      : {}),
    TaskSubnets: { Type: 'List<AWS::EC2::Subnet::Id>', Description: 'Subnets the tasks run in: private ones with a NAT gateway, or public ones with AssignPublicIp=ENABLED' },
    AssignPublicIp: {
      Type: 'String',
      Description: 'ENABLED when TaskSubnets are public (the tasks pull their images over the internet); DISABLED behind a NAT gateway',
      Default: 'DISABLED',
      AllowedValues: ['DISABLED', 'ENABLED'],
    },
    Cluster: { Type: 'String', Description: 'The ECS cluster (output Cluster of the base stack)' },
    TaskRoleArn: { Type: 'String', Description: 'Role the tasks’ containers use, Envoy included (output TaskRoleArn of the base stack)' },
    TaskExecutionRoleArn: { Type: 'String', Description: 'Role ECS uses to pull images, write logs and read the TLS files (output TaskExecutionRoleArn of the base stack)' },
    LogGroup: { Type: 'String', Description: 'CloudWatch Logs group of every container (output LogGroup of the base stack)' },
    TaskSecurityGroup: { Type: 'AWS::EC2::SecurityGroup::Id', Description: 'Security group of the tasks (output TaskSecurityGroup of the base stack)' },
    ...Object.fromEntries(
      context.namespaceParameters.map((p) => [p, { Type: 'String', Description: `Cloud Map namespace ID (output ${p} of the base stack)` } satisfies CfnParameter]),
    ),
    ImageRegistry: {
      Type: 'String',
      Description: 'Registry you pushed the apps to: images are <registry>/amw/<app>:latest',
      Default: context.registry,
    },
    EnvoyImage: { Type: 'String', Description: 'The App Mesh Envoy image', Default: APPMESH_ENVOY_IMAGE },
  };
}

function resourceArnOf(walkthrough: Walkthrough, cluster: ClusterState, workload: Workload, meshName: string): string {
  const identity = meshIdentityOf(workload, cluster.resources);
  if (!identity) throw new Error(`${walkthrough.name}: workload ${workload.metadata.name} runs Envoy but speaks for no virtual node or gateway (set meshIdentity)`);
  const object = cluster.resources.find((r) => r.kind === identity.kind && r.metadata.name === identity.name && r.metadata.namespace === identity.namespace);
  if (!object || (object.kind !== 'VirtualNode' && object.kind !== 'VirtualGateway')) {
    throw new Error(`${walkthrough.name}: workload ${workload.metadata.name} speaks for ${identity.kind} ${identity.name}, which the cluster does not define at this step`);
  }
  const type = identity.kind === 'VirtualNode' ? 'virtualNode' : 'virtualGateway';
  return `mesh/${meshName}/${type}/${awsNameOf(object)}`;
}

export function certificatesOf(walkthrough: Walkthrough, cluster: ClusterState, workload: Workload): CertificateFile[] {
  const identity = meshIdentityOf(workload, cluster.resources);
  if (!identity) return [];
  const object = cluster.resources.find((r) => r.kind === identity.kind && r.metadata.name === identity.name && r.metadata.namespace === identity.namespace);
  if (!object || (object.kind !== 'VirtualNode' && object.kind !== 'VirtualGateway')) return [];
  const authorities = ofKind(cluster.resources, 'CertificateAuthority');
  return filesReadBy(object).map((path) => certificateFile(walkthrough, authorities, path));
}

function checkAppPorts(walkthrough: Walkthrough, cluster: ClusterState, workload: Workload): void {
  const proxy = workload.spec.ecs?.proxyConfiguration;
  const identity = meshIdentityOf(workload, cluster.resources);
  if (!proxy || identity?.kind !== 'VirtualNode') return;
  const node = ofKind(cluster.resources, 'VirtualNode').find((n) => n.metadata.name === identity.name && n.metadata.namespace === identity.namespace);
  const listeners = (node?.spec.listeners ?? []).map((l) => l.portMapping.port).sort();
  const appPorts = [...proxy.appPorts].sort();
  if (JSON.stringify(listeners) !== JSON.stringify(appPorts)) {
    throw new Error(`${walkthrough.name}: workload ${workload.metadata.name} sends AppPorts ${appPorts.join(',')} to Envoy but its node listens on ${listeners.join(',') || 'nothing'}: they must be the same ports`);
  }
}

function discoveryService(registration: Registration): CfnResource {
  return {
    Type: 'AWS::ServiceDiscovery::Service',
    Properties: {
      Name: registration.service,
      NamespaceId: ref(namespaceParameter(registration.namespace)),
      ...(registration.dnsRecord
        ? { DnsConfig: { DnsRecords: [{ Type: registration.dnsRecord.type, TTL: registration.dnsRecord.ttl }], RoutingPolicy: 'MULTIVALUE' } }
        : {}),
      // ECS reports each task's health here: healthy once its essential containers are.
      HealthCheckCustomConfig: {},
    },
  };
}

export interface ServiceComment {
  id: string;
  text: string;
}

export function servicesTemplate(context: ServicesContext, cluster: ClusterState, meshName: string): { template: CfnTemplate; comments: ServiceComment[] } {
  const { walkthrough } = context;
  const resources: Record<string, CfnResource> = {};
  const outputs: NonNullable<CfnTemplate['Outputs']> = {};
  const comments: ServiceComment[] = [];
  const add = (id: string, resource: CfnResource) => {
    if (resources[id]) throw new Error(`${walkthrough.name}: two resources of the services template are named ${id}`);
    resources[id] = resource;
  };

  for (const registration of cloudMapServices(walkthrough, cluster)) add(discoveryServiceId(registration), discoveryService(registration));

  const entries = loadBalancerEntries(walkthrough, cluster.name);
  for (const workload of ofKind(cluster.resources, 'Workload')) {
    const name = workload.metadata.name;
    const base = logicalId(name);
    checkAppPorts(walkthrough, cluster, workload);
    const certificates = certificatesOf(walkthrough, cluster, workload);
    const runsEnvoy = !!workload.spec.ecs?.proxyConfiguration || workload.spec.component === 'envoy-gateway';
    const task = taskDefinition({
      walkthrough: walkthrough.name,
      workload,
      ...(runsEnvoy ? { resourceArn: resourceArnOf(walkthrough, cluster, workload, meshName) } : {}),
      certificates,
    });
    add(`${base}TaskDefinition`, { Type: 'AWS::ECS::TaskDefinition', Properties: task.properties });
    comments.push({ id: `${base}TaskDefinition`, text: taskComment(workload, task.proxied, certificates.length > 0) });

    const registration = registrationOf(walkthrough, cluster, workload);
    const entry = entries.find((e) => e.service.name === name);
    const dependsOn: string[] = [];
    const loadBalancers: Json[] = [];
    if (entry) {
      if (task.mainPort === undefined) throw new Error(`${walkthrough.name}: entry ${entry.name} is a load balancer in front of ${name}, which listens on no port`);
      const lb = `${base}LoadBalancer`;
      const tg = `${base}TargetGroup`;
      const listener = `${base}Listener`;
      add(lb, {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { Type: 'network', Scheme: 'internet-facing', Subnets: ref('LoadBalancerSubnets') },
      });
      add(tg, {
        Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
        Properties: {
          TargetType: 'ip',
          Protocol: 'TCP',
          Port: task.mainPort,
          VpcId: ref('VpcId'),
          HealthCheckProtocol: 'TCP',
          HealthCheckIntervalSeconds: 10,
          HealthyThresholdCount: 3,
          UnhealthyThresholdCount: 3,
          TargetGroupAttributes: [
            { Key: 'deregistration_delay.timeout_seconds', Value: '30' },
            { Key: 'preserve_client_ip.enabled', Value: 'false' },
          ],
        },
      });
      add(listener, {
        Type: 'AWS::ElasticLoadBalancingV2::Listener',
        Properties: { LoadBalancerArn: ref(lb), Port: entry.port, Protocol: 'TCP', DefaultActions: [{ Type: 'forward', TargetGroupArn: ref(tg) }] },
      });
      comments.push({
        id: lb,
        text: `${entry.title[0]!.toUpperCase()}${entry.title.slice(1)}: TCP ${entry.port} → ${name}'s ${task.mainContainer} container on ${task.mainPort}.\nThe targets see the load balancer's own addresses (client IP preservation off), which the task security group allows.`,
      });
      dependsOn.push(listener);
      loadBalancers.push({ ContainerName: task.mainContainer, ContainerPort: task.mainPort, TargetGroupArn: ref(tg) });
      outputs[entryOutput(entry.name)] = { Description: `DNS name of ${entry.title}: export ${entry.envVar}=<this>`, Value: getAtt(lb, 'DNSName') };
    }
    add(`${base}Service`, {
      Type: 'AWS::ECS::Service',
      ...(dependsOn.length ? { DependsOn: dependsOn } : {}),
      Properties: {
        ServiceName: name,
        Cluster: ref('Cluster'),
        LaunchType: workload.spec.ecs!.launchType,
        TaskDefinition: ref(`${base}TaskDefinition`),
        DesiredCount: workload.spec.ecs!.desiredCount,
        DeploymentConfiguration: { MaximumPercent: 200, MinimumHealthyPercent: 100 },
        NetworkConfiguration: {
          AwsvpcConfiguration: { AssignPublicIp: ref('AssignPublicIp'), SecurityGroups: [ref('TaskSecurityGroup')], Subnets: ref('TaskSubnets') },
        },
        ...(registration ? { ServiceRegistries: [{ RegistryArn: getAtt(discoveryServiceId(registration), 'Arn') }] } : {}),
        ...(loadBalancers.length ? { LoadBalancers: loadBalancers, HealthCheckGracePeriodSeconds: 60 } : {}),
        // `aws ecs execute-command` reaches Envoy's admin port; a meshed task's Envoy would capture (and drop) the agent's own traffic.
        EnableExecuteCommand: !task.proxied,
      },
    });
  }

  return {
    comments,
    template: {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `Tasks, services, Cloud Map services and load balancer of ${walkthrough.name}`,
      Parameters: servicesParameters(context),
      Resources: resources,
      ...(Object.keys(outputs).length ? { Outputs: outputs } : {}),
    },
  };
}

function taskComment(workload: Workload, proxied: boolean, hasCertificates: boolean): string {
  const notes = [
    ...(workload.spec.notes ?? []),
    ...(hasCertificates
      ? [
          'With TLS on, the `certs` init container receives the PEM files from SSM Parameter Store (through the execution',
          'role), writes them into a volume readable by Envoy’s UID alone, and exits; Envoy starts after it and mounts it read-only.',
        ]
      : []),
  ];
  if (workload.spec.component === 'envoy-gateway') {
    return [
      `${workload.metadata.name}: Envoy speaks for the virtual gateway (APPMESH_RESOURCE_ARN); the image’s own user runs it, as in the original.`,
      ...notes,
    ].join('\n');
  }
  if (!proxied) return [`${workload.metadata.name}: not in the mesh (no Envoy).`, ...notes].join('\n');
  return [
    `${workload.metadata.name}: the app and its Envoy sidecar. The APPMESH proxy configuration has ECS write iptables rules`,
    'that send the app’s traffic through Envoy (ingress 15000, egress 15001), except Envoy’s own (UID 1337) and the',
    'task metadata and instance metadata addresses. The app starts once Envoy reports LIVE on its admin port (HEALTHY).',
    ...notes,
  ].join('\n');
}
