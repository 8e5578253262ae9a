/**
 * ECS Service Connect: an ECS walkthrough rendered from its App Mesh definition as two
 * CloudFormation templates, deployed in order.
 *
 *   base.yaml      the cluster, the Cloud Map namespace Service Connect uses, the log group, roles
 *                  (the execution role, and the infrastructure role Service Connect's TLS needs), the
 *                  security groups of the tasks and of the load balancer
 *   services.yaml  per workload: a task definition (the app alone: ECS adds Service Connect's proxy)
 *                  and a service with its ServiceConnectConfiguration; and the Application Load
 *                  Balancer that takes the virtual gateway's place
 *
 * Service Connect cannot split traffic between services, so — as AWS advises for App Mesh users —
 * the routers' weighted targets move to the edge: each gateway route becomes a listener rule of
 * the load balancer (its path condition composed with the router's route, the prefix rewrite a URL
 * rewrite transform) forwarding to weighted target groups, one per virtual node. TLS comes from AWS
 * Private CA only, so it is an opt-in parameter, off by default (a Private CA costs money).
 */
import type { GatewayRoute, Route, VirtualNode, VirtualRouter } from '../../model/appmesh.js';
import { keyOf, type TargetRef, type TranslationLog } from '../../migrate/translation.js';
import { COMPONENTS, isOurApp, OUR_IMAGE_REPOSITORY_PREFIX, OUR_IMAGE_TAG } from '../../model/components.js';
import { gatewayPrefixRewrite, rewritesHostname } from '../../model/routing.js';
import { ofKind, stateAt } from '../../model/state.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import type { Workload } from '../../model/workload.js';
import { mainContainerName } from '../eks/deployment.js';
import { exampleRegistry } from '../eks/kustomize.js';
import { generatedHeader, type RenderedFile } from '../files.js';
import { targetFolder } from '../layout.js';
import type { Named } from '../kubernetes/target-context.js';
import { MeshGraph } from '../mesh-graph.js';
import { CLOUDFORMATION_KEY_ORDER, yamlFile } from '../yaml.js';
import { SHELL, STACK_OUTPUT_HELPER } from '../ecs/index.js';
import { assertAcyclic, getAtt, logicalId, NO_VALUE, ref, sub, type CfnParameter, type CfnResource, type CfnTemplate, type Json } from '../ecs/template.js';

/** The port Service Connect's proxy takes its mesh traffic on, so the load balancer reaches the app directly. */
export const SERVICE_CONNECT_INGRESS_PORT = 15000;
/** App Mesh's defaults for an HTTP route, written out: Service Connect's own defaults are the same. */
export const PER_REQUEST_TIMEOUT_SECONDS = 15;
export const IDLE_TIMEOUT_SECONDS = 300;
export const TLS_PARAMETER = 'TlsCertificateAuthorityArn';
const PORT_NAME = 'http';

export interface ServiceConnectStack {
  role: 'base' | 'services';
  path: string;
  stackName: string;
  template: CfnTemplate;
  capabilities: string[];
  /** Parameter → shell expression the guide passes. */
  parameters: [string, string][];
}

interface Context {
  walkthrough: Walkthrough;
  cluster: Cluster;
  graph: MeshGraph;
  log?: TranslationLog;
  folder: string;
}

function cfnRef(context: Context, file: string, type: string, id: string, path?: (string | number)[]): TargetRef {
  return { cluster: context.cluster.name, kind: type, name: id, file, ...(path ? { path } : {}) };
}

function carry(context: Context, feature: Parameters<typeof keyOf>[0], source: Named, field: string, ...refs: TargetRef[]): void {
  context.log?.carry(keyOf(feature, context.cluster.name, source, field), ...refs);
}

function namespaceOf(graph: MeshGraph) {
  const namespace = ofKind(graph.resources, 'CloudMapNamespace')[0];
  if (!namespace) throw new Error(`${graph.walkthrough.name}: Service Connect needs a Cloud Map namespace`);
  return namespace;
}

function baseTemplate(context: Context): CfnTemplate {
  const { walkthrough, cluster, graph } = context;
  const namespace = namespaceOf(graph);
  const template: CfnTemplate = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `ECS cluster, Service Connect namespace, roles, log group and security groups of ${walkthrough.name} on Service Connect`,
    Parameters: { VpcId: { Type: 'AWS::EC2::VPC::Id', Description: 'The VPC the tasks and the load balancer run in' } },
    Resources: {
      Namespace: {
        Type: 'AWS::ServiceDiscovery::HttpNamespace',
        Properties: { Name: namespace.metadata.name, Description: `Service Connect namespace of ${walkthrough.name}: an API-only Cloud Map namespace (no Route 53 zone)` },
      },
      Cluster: { Type: 'AWS::ECS::Cluster', Properties: { ClusterName: `${cluster.clusterName}-sc`, ServiceConnectDefaults: { Namespace: getAtt('Namespace', 'Arn') } } },
      LogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/ecs/${walkthrough.name}/service-connect`, RetentionInDays: 30 } },
      TaskExecutionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          ManagedPolicyArns: [sub('arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy')],
        },
      },
      ServiceConnectTlsRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          ManagedPolicyArns: [sub('arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForServiceConnectTransportLayerSecurity')],
        },
      },
      LoadBalancerSecurityGroup: {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: {
          GroupDescription: `Load balancer of ${walkthrough.name}: HTTP from anywhere`,
          VpcId: ref('VpcId'),
          SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIp: '0.0.0.0/0', Description: 'The walkthrough’s entry' }],
        },
      },
      TaskSecurityGroup: {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: { GroupDescription: `Tasks of ${walkthrough.name}: the load balancer, and Service Connect from each other`, VpcId: ref('VpcId') },
      },
      TasksFromLoadBalancer: {
        Type: 'AWS::EC2::SecurityGroupIngress',
        Properties: {
          GroupId: getAtt('TaskSecurityGroup', 'GroupId'),
          IpProtocol: 'tcp',
          FromPort: 0,
          ToPort: 65535,
          SourceSecurityGroupId: getAtt('LoadBalancerSecurityGroup', 'GroupId'),
          Description: 'Requests and health checks from the load balancer',
        },
      },
      TasksFromTasks: {
        Type: 'AWS::EC2::SecurityGroupIngress',
        Properties: {
          GroupId: getAtt('TaskSecurityGroup', 'GroupId'),
          IpProtocol: 'tcp',
          FromPort: SERVICE_CONNECT_INGRESS_PORT,
          ToPort: SERVICE_CONNECT_INGRESS_PORT,
          SourceSecurityGroupId: getAtt('TaskSecurityGroup', 'GroupId'),
          Description: 'Service Connect: one task’s proxy to another’s',
        },
      },
    },
    Outputs: {
      Cluster: { Description: 'The ECS cluster', Value: ref('Cluster') },
      Namespace: { Description: 'ARN of the Service Connect namespace', Value: getAtt('Namespace', 'Arn') },
      TaskExecutionRoleArn: { Description: 'Role ECS starts the tasks with', Value: getAtt('TaskExecutionRole', 'Arn') },
      ServiceConnectTlsRoleArn: { Description: 'Role Service Connect issues TLS certificates with (when TLS is on)', Value: getAtt('ServiceConnectTlsRole', 'Arn') },
      LogGroup: { Description: 'Log group of every container and proxy', Value: ref('LogGroup') },
      TaskSecurityGroup: { Description: 'Security group of the tasks', Value: getAtt('TaskSecurityGroup', 'GroupId') },
      LoadBalancerSecurityGroup: { Description: 'Security group of the load balancer', Value: getAtt('LoadBalancerSecurityGroup', 'GroupId') },
    },
  };
  const mesh = graph.mesh;
  if (mesh) carry(context, 'mesh', mesh, '', cfnRef(context, 'base.yaml', 'AWS::ServiceDiscovery::HttpNamespace', 'Namespace'));
  carry(context, 'cloud-map-namespace', namespace, '', cfnRef(context, 'base.yaml', 'AWS::ServiceDiscovery::HttpNamespace', 'Namespace'));
  return template;
}

function image(workload: Workload): Json {
  const { component } = workload.spec;
  if (!isOurApp(component)) throw new Error(`the Service Connect renderer runs our own apps only, not ${component}`);
  return sub(`\${ImageRegistry}/${OUR_IMAGE_REPOSITORY_PREFIX}/${component}:${OUR_IMAGE_TAG}`);
}

function logging(prefix: string): Json {
  return { LogDriver: 'awslogs', Options: { 'awslogs-group': ref('LogGroup'), 'awslogs-region': ref('AWS::Region'), 'awslogs-stream-prefix': prefix } };
}

/** A gateway route's path condition composed with a router route's, as ALB path patterns. */
function pathPatterns(gateway: GatewayRoute, route: Route): string[] | { unsupported: string } {
  const ghttp = gateway.spec.httpRoute ?? gateway.spec.http2Route;
  const rhttp = route.httpRoute ?? route.http2Route;
  if (!ghttp || !rhttp) return { unsupported: 'an HTTP route' };
  const g = ghttp.match;
  const r = rhttp.match;
  if (g.path || g.headers?.length || g.hostname || g.method || g.queryParameters?.length) return { unsupported: 'a gateway route matching more than a path prefix' };
  if (r.path || r.headers?.length || r.method || r.queryParameters?.length) return { unsupported: 'a route matching more than a path prefix' };
  const rewrite = gatewayPrefixRewrite(ghttp);
  const gp = g.prefix ?? '/';
  const rp = r.prefix ?? '/';
  if (!rewrite) return [`${rp.length > gp.length ? rp : gp}*`];
  if (rewrite.replacement !== '/') return { unsupported: `a prefix rewrite to ${rewrite.replacement}` };
  if (rp === '/') return [`${gp}*`];
  // The gateway turns `<prefix>/x` and `<prefix>x` into `/x`: both reach a route on `/x`.
  const rest = rp.replace(/^\//, '');
  return gp.endsWith('/') ? [`${gp}${rest}*`] : [`${gp}/${rest}*`, `${gp}${rest}*`];
}

function servicesTemplate(context: Context, registry: string): CfnTemplate {
  const { walkthrough, graph } = context;
  const file = 'services.yaml';
  const namespace = namespaceOf(graph);
  const resources: Record<string, CfnResource> = {};
  const outputs: NonNullable<CfnTemplate['Outputs']> = {};
  const parameters: Record<string, CfnParameter> = {
    VpcId: { Type: 'AWS::EC2::VPC::Id', Description: 'The VPC the tasks and the load balancer run in' },
    LoadBalancerSubnets: { Type: 'List<AWS::EC2::Subnet::Id>', Description: 'Public subnets for the internet-facing Application Load Balancer, in two Availability Zones at least' },
    TaskSubnets: { Type: 'List<AWS::EC2::Subnet::Id>', Description: 'Subnets the tasks run in: private ones with a NAT gateway, or public ones with AssignPublicIp=ENABLED' },
    AssignPublicIp: { Type: 'String', Description: 'ENABLED when TaskSubnets are public (the tasks pull their images over the internet); DISABLED behind a NAT gateway', Default: 'DISABLED', AllowedValues: ['DISABLED', 'ENABLED'] },
    Cluster: { Type: 'String', Description: 'The ECS cluster (output Cluster of the base stack)' },
    Namespace: { Type: 'String', Description: 'ARN of the Service Connect namespace (output Namespace of the base stack)' },
    TaskExecutionRoleArn: { Type: 'String', Description: 'Output TaskExecutionRoleArn of the base stack' },
    ServiceConnectTlsRoleArn: { Type: 'String', Description: 'Output ServiceConnectTlsRoleArn of the base stack' },
    LogGroup: { Type: 'String', Description: 'Output LogGroup of the base stack' },
    TaskSecurityGroup: { Type: 'AWS::EC2::SecurityGroup::Id', Description: 'Output TaskSecurityGroup of the base stack' },
    LoadBalancerSecurityGroup: { Type: 'AWS::EC2::SecurityGroup::Id', Description: 'Output LoadBalancerSecurityGroup of the base stack' },
    ImageRegistry: { Type: 'String', Description: 'Registry you pushed the apps to: images are <registry>/amw/<app>:latest', Default: registry },
    [TLS_PARAMETER]: {
      Type: 'String',
      Description:
        'Empty: no TLS (the default). The ARN of an AWS Private CA tagged AmazonECSManaged=true: Service Connect encrypts its traffic with TLS 1.3 and certificates from it. A Private CA costs money every month (short-lived mode costs least).',
      Default: '',
    },
  };

  // One task definition and service per app workload; the gateway's Envoy is replaced by the load balancer.
  const serviceIds = new Map<Workload, string>();
  for (const workload of graph.workloads) {
    if (workload.spec.component === 'envoy-gateway') continue;
    const ecs = workload.spec.ecs;
    if (!ecs) throw new Error(`${walkthrough.name}: workload ${workload.metadata.name} has no ECS task facts`);
    const facts = COMPONENTS[workload.spec.component];
    const id = logicalId(workload.metadata.name);
    const port = workload.spec.ports[0]!.port;
    const node = graph.identityOf(workload);
    const discovery = node?.kind === 'VirtualNode' ? node.spec.serviceDiscovery?.dns?.hostname : undefined;
    const discoveryName = discovery ? discovery.split('.')[0]! : workload.metadata.name;
    resources[`${id}Task`] = {
      Type: 'AWS::ECS::TaskDefinition',
      Properties: {
        Family: `${walkthrough.name}-sc-${workload.metadata.name}`,
        RequiresCompatibilities: ['FARGATE'],
        NetworkMode: 'awsvpc',
        Cpu: String(ecs.cpu),
        Memory: String(ecs.memory),
        ExecutionRoleArn: ref('TaskExecutionRoleArn'),
        RuntimePlatform: { OperatingSystemFamily: 'LINUX', CpuArchitecture: 'X86_64' },
        ContainerDefinitions: [
          {
            Name: mainContainerName(workload),
            Image: image(workload),
            Essential: true,
            User: `${facts.runAsUser}:${facts.runAsGroup}`,
            PortMappings: [{ Name: PORT_NAME, ContainerPort: port, Protocol: 'tcp', AppProtocol: 'http' }],
            Environment: Object.keys(workload.spec.env ?? {})
              .sort()
              .map((name) => ({ Name: name, Value: workload.spec.env![name]! })),
            LogConfiguration: logging(workload.metadata.name),
          },
        ],
      },
    };
    resources[`${id}Service`] = {
      Type: 'AWS::ECS::Service',
      DependsOn: [],
      Properties: {
        ServiceName: workload.metadata.name,
        Cluster: ref('Cluster'),
        TaskDefinition: ref(`${id}Task`),
        LaunchType: 'FARGATE',
        DesiredCount: ecs.desiredCount,
        HealthCheckGracePeriodSeconds: 30,
        NetworkConfiguration: {
          AwsvpcConfiguration: { Subnets: ref('TaskSubnets'), SecurityGroups: [ref('TaskSecurityGroup')], AssignPublicIp: ref('AssignPublicIp') },
        },
        ServiceConnectConfiguration: {
          Enabled: true,
          Namespace: ref('Namespace'),
          Services: [
            {
              PortName: PORT_NAME,
              DiscoveryName: discoveryName,
              IngressPortOverride: SERVICE_CONNECT_INGRESS_PORT,
              ClientAliases: [{ Port: port, DnsName: `${discoveryName}.${namespace.metadata.name}` }],
              Timeout: { PerRequestTimeoutSeconds: PER_REQUEST_TIMEOUT_SECONDS, IdleTimeoutSeconds: IDLE_TIMEOUT_SECONDS },
              Tls: { 'Fn::If': ['TlsOn', { IssuerCertificateAuthority: { AwsPcaAuthorityArn: ref(TLS_PARAMETER) }, RoleArn: ref('ServiceConnectTlsRoleArn') }, NO_VALUE] },
            },
          ],
          LogConfiguration: logging(`${workload.metadata.name}-service-connect`),
          AccessLogConfiguration: { Format: 'TEXT', IncludeQueryParameters: 'DISABLED' },
        },
      },
    };
    serviceIds.set(workload, id);
    const serviceRef = (path: (string | number)[]) => cfnRef(context, file, 'AWS::ECS::Service', `${id}Service`, ['Properties', 'ServiceConnectConfiguration', ...path]);
    if (node?.kind === 'VirtualNode') {
      node.spec.listeners?.forEach((listener, i) => {
        carry(context, 'virtual-node', node, `listeners[${i}]`, cfnRef(context, file, 'AWS::ECS::TaskDefinition', `${id}Task`, ['Properties', 'ContainerDefinitions', 0, 'PortMappings', 0]), serviceRef(['Services', 0, 'PortName']));
        if (listener.tls) carry(context, 'listener-tls', node, `listeners[${i}].tls`, serviceRef(['Services', 0, 'Tls']));
      });
      if (discovery) carry(context, 'dns-discovery', node, 'serviceDiscovery.dns', serviceRef(['Services', 0, 'ClientAliases', 0, 'DnsName']));
    }
    if (workload.spec.ecs?.proxyConfiguration) carry(context, 'ecs-envoy-proxy', workload, 'ecs.proxyConfiguration', serviceRef([]));
  }

  // The edge: an Application Load Balancer in the virtual gateway's place.
  const gateways = graph.gateways;
  if (gateways.length > 1) throw new Error(`${walkthrough.name}: the Service Connect renderer puts one load balancer in front of one virtual gateway`);
  const gateway = gateways[0];
  if (gateway) {
    resources.LoadBalancer = {
      Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
      Properties: { Type: 'application', Scheme: 'internet-facing', Subnets: ref('LoadBalancerSubnets'), SecurityGroups: [ref('LoadBalancerSecurityGroup')] },
    };
    resources.Listener = {
      Type: 'AWS::ElasticLoadBalancingV2::Listener',
      Properties: {
        LoadBalancerArn: ref('LoadBalancer'),
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'no route' } }],
      },
    };
    const entry = walkthrough.entries.find((e) => e.kind === 'load-balancer');
    outputs[entry ? `${logicalId(entry.name)}Endpoint` : 'LoadBalancerEndpoint'] = { Description: 'DNS name of the load balancer: the walkthrough’s entry', Value: getAtt('LoadBalancer', 'DNSName') };
    const targetGroups = new Map<VirtualNode, string>();
    const targetGroupOf = (node: VirtualNode): string => {
      const found = targetGroups.get(node);
      if (found) return found;
      const workload = graph.workloadsOf(node)[0];
      if (!workload) throw new Error(`${walkthrough.name}: node ${node.metadata.name} has no workload for a target group`);
      const tgId = targetGroupId(node);
      const listener = node.spec.listeners![0]!;
      const h = listener.healthCheck;
      resources[tgId] = {
        Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
        Properties: {
          VpcId: ref('VpcId'),
          TargetType: 'ip',
          Protocol: 'HTTP',
          Port: listener.portMapping.port,
          ...(h
            ? {
                HealthCheckPath: h.path ?? '/',
                HealthCheckIntervalSeconds: Math.max(5, Math.round(h.intervalMillis / 1000)),
                HealthCheckTimeoutSeconds: Math.max(2, Math.round(h.timeoutMillis / 1000)),
                HealthyThresholdCount: h.healthyThreshold,
                UnhealthyThresholdCount: h.unhealthyThreshold,
                Matcher: { HttpCode: '200' },
              }
            : {}),
          TargetGroupAttributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
        },
      };
      const serviceId = serviceIds.get(workload)!;
      const service = resources[`${serviceId}Service`]!;
      service.Properties!.LoadBalancers = [{ TargetGroupArn: ref(tgId), ContainerName: mainContainerName(workload), ContainerPort: listener.portMapping.port }];
      if (h) {
        const i = node.spec.listeners!.indexOf(listener);
        carry(context, 'health-check', node, `listeners[${i}].healthCheck`, cfnRef(context, file, 'AWS::ElasticLoadBalancingV2::TargetGroup', tgId, ['Properties', 'HealthCheckPath']));
      }
      targetGroups.set(node, tgId);
      return tgId;
    };

    let priority = 1;
    for (const gr of graph.gatewayRoutesOf(gateway)) {
      const ghttp = gr.spec.httpRoute ?? gr.spec.http2Route;
      if (!ghttp) continue;
      const target = ghttp.action.target.virtualService.virtualServiceRef;
      if (!target) throw new Error(`${walkthrough.name}: gateway route ${gr.metadata.name} targets a virtual service by ARN`);
      const vs = graph.virtualService(target, gr.metadata.namespace);
      const provider = graph.provider(vs);
      const routes: { route: Route; router?: VirtualRouter }[] =
        'router' in provider
          ? MeshGraph.orderedRoutes(provider.router).map((route) => ({ route, router: provider.router }))
          : [{ route: { name: 'node', httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNodeRef: { name: provider.node.metadata.name }, weight: 1 }] } } } }];
      for (const { route, router } of routes) {
        const patterns = pathPatterns(gr, route);
        if (!Array.isArray(patterns)) {
          if (router) context.log?.dropRoute(context.cluster.name, router, route, `an ALB listener rule cannot express ${patterns.unsupported}`, 'route on the path alone, or keep a proxy (Envoy) in front that can');
          continue;
        }
        const targets = router ? graph.targets(router, route) : [{ node: (provider as { node: VirtualNode }).node, weight: 1 }];
        const ruleId = `${logicalId(gr.metadata.name)}${logicalId(route.name)}Rule`;
        const rewrite = gatewayPrefixRewrite(ghttp);
        const transforms: Json[] = [];
        if (rewrite && !(rewrite.matched === '/' && rewrite.replacement === '/')) {
          transforms.push({ Type: 'url-rewrite', UrlRewriteConfig: { Rewrites: [{ Regex: `^${rewrite.matched.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/?(.*)$`, Replace: `${rewrite.replacement}$1` }] } });
        }
        if (rewritesHostname(ghttp)) {
          transforms.push({ Type: 'host-header-rewrite', HostHeaderRewriteConfig: { Rewrites: [{ Regex: '^.*$', Replace: MeshGraph.callName(vs) }] } });
        }
        resources[ruleId] = {
          Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
          Properties: {
            ListenerArn: ref('Listener'),
            Priority: priority++,
            Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: patterns } }],
            Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: targets.map((t) => ({ TargetGroupArn: ref(targetGroupOf(t.node)), Weight: t.weight })) } }],
            ...(transforms.length ? { Transforms: transforms } : {}),
          },
        };
        // ECS refuses a service whose target group no listener rule forwards to yet.
        for (const t of targets) {
          const service = resources[`${serviceIds.get(graph.workloadsOf(t.node)[0]!)!}Service`]!;
          if (!service.DependsOn?.includes(ruleId)) service.DependsOn = [...(service.DependsOn ?? []), ruleId];
        }
        const rule = (path: (string | number)[]) => cfnRef(context, file, 'AWS::ElasticLoadBalancingV2::ListenerRule', ruleId, ['Properties', ...path]);
        if (router) {
          const at = `routes[${route.name}]`;
          carry(context, 'weighted-targets', router, at, rule(['Actions', 0, 'ForwardConfig', 'TargetGroups']));
          const m = (route.httpRoute ?? route.http2Route)!.match;
          if (m.prefix !== undefined) carry(context, 'match-prefix', router, `${at}.match.prefix`, rule(['Conditions', 0, 'PathPatternConfig', 'Values']));
          if (route.priority !== undefined) carry(context, 'route-priority', router, `${at}.priority`, rule(['Priority']));
        }
        carry(context, 'gateway-route', gr, 'match', rule(['Conditions', 0]));
        const urlRewrite = transforms.findIndex((t) => (t as { Type: string }).Type === 'url-rewrite');
        const hostRewrite = transforms.findIndex((t) => (t as { Type: string }).Type === 'host-header-rewrite');
        if (urlRewrite >= 0) carry(context, 'gateway-rewrite-prefix', gr, 'action.rewrite.prefix', rule(['Transforms', urlRewrite]));
        if (hostRewrite >= 0) carry(context, 'gateway-rewrite-hostname', gr, 'action.rewrite.hostname', rule(['Transforms', hostRewrite]));
      }
    }
    gateway.spec.listeners.forEach((_, i) =>
      carry(context, 'virtual-gateway', gateway, `listeners[${i}]`, cfnRef(context, file, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'LoadBalancer'), cfnRef(context, file, 'AWS::ElasticLoadBalancingV2::Listener', 'Listener')),
    );
    if (gateway.spec.backendDefaults?.clientPolicy?.tls) carry(context, 'client-tls', gateway, 'backendDefaults.clientPolicy.tls');
    for (const workload of graph.workloadsOf(gateway)) {
      if (workload.spec.proxyEnv?.ENABLE_ENVOY_DOG_STATSD === '1') carry(context, 'statsd-metrics', workload, 'proxyEnv.ENABLE_ENVOY_DOG_STATSD', cfnRef(context, file, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'LoadBalancer'));
    }
  }

  const template: CfnTemplate = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Tasks and services of ${walkthrough.name} on Service Connect, and the load balancer in place of its virtual gateway`,
    Parameters: parameters,
    Conditions: { TlsOn: { 'Fn::Not': [{ 'Fn::Equals': [ref(TLS_PARAMETER), ''] }] } },
    Resources: resources,
    Outputs: outputs,
  };
  for (const resource of Object.values(resources)) if (resource.DependsOn && !resource.DependsOn.length) delete resource.DependsOn;
  assertAcyclic(template, `${walkthrough.name} service-connect/services.yaml`);
  return template;
}

/** The logical ID of a node's target group. */
export function targetGroupId(node: VirtualNode): string {
  return `${logicalId(node.metadata.name)}TargetGroup`;
}

/** The stacks of a walkthrough on Service Connect, in deploy order; `log` receives what became of each feature at `step`. */
export function serviceConnectStacks(walkthrough: Walkthrough, step = walkthrough.steps.at(-1)!.name, log?: TranslationLog): ServiceConnectStack[] {
  if (walkthrough.platform !== 'ecs') return [];
  return walkthrough.clusters.flatMap((cluster) => {
    const graph = new MeshGraph(walkthrough, cluster.name, stateAt(walkthrough, step).find((c) => c.name === cluster.name)!.resources);
    const folder = targetFolder(walkthrough, 'service-connect', cluster);
    const context: Context = { walkthrough, cluster, graph, folder, ...(log ? { log } : {}) };
    const baseName = `${walkthrough.name}-sc-base`;
    const fromBase = (output: string): [string, string] => [output, `"$(${SHELL.outputHelper} ${baseName} ${output})"`];
    return [
      { role: 'base', path: `${folder}/base.yaml`, stackName: baseName, template: baseTemplate(context), capabilities: ['CAPABILITY_IAM'], parameters: [['VpcId', `"$${SHELL.vpc}"`]] },
      {
        role: 'services',
        path: `${folder}/services.yaml`,
        stackName: `${walkthrough.name}-sc-services`,
        template: servicesTemplate(context, exampleRegistry(walkthrough, cluster)),
        capabilities: [],
        parameters: [
          ['VpcId', `"$${SHELL.vpc}"`],
          ['LoadBalancerSubnets', `"$${SHELL.publicSubnets}"`],
          ['TaskSubnets', `"$${SHELL.taskSubnets}"`],
          ['AssignPublicIp', `"$${SHELL.assignPublicIp}"`],
          fromBase('Cluster'),
          fromBase('Namespace'),
          fromBase('TaskExecutionRoleArn'),
          fromBase('ServiceConnectTlsRoleArn'),
          fromBase('LogGroup'),
          fromBase('TaskSecurityGroup'),
          fromBase('LoadBalancerSecurityGroup'),
          ['ImageRegistry', `"$${SHELL.registry}"`],
        ],
      },
    ] satisfies ServiceConnectStack[];
  });
}

export function serviceConnectDeployCommand(stack: ServiceConnectStack, extra: [string, string][] = []): string {
  const parameters = [...stack.parameters, ...extra];
  return [
    `aws cloudformation deploy --stack-name ${stack.stackName} --template-file ${stack.path}`,
    ...(stack.capabilities.length ? [`--capabilities ${stack.capabilities.join(' ')}`] : []),
    ...(parameters.length ? ['--parameter-overrides', ...parameters.map(([k, v]) => `${k}=${v}`)] : []),
  ].join(' \\\n    ');
}

export function renderServiceConnect(walkthrough: Walkthrough): RenderedFile[] {
  return serviceConnectStacks(walkthrough).map((stack) => ({
    path: stack.path,
    content: yamlFile(
      generatedHeader(walkthrough.name, [
        `${stack.template.Description}.`,
        `The guide, docs/walkthroughs/${walkthrough.name}.md, gives the order of the stacks.`,
        '',
        'Deploy it with:',
        ...(stack.role === 'services' ? [`  ${STACK_OUTPUT_HELPER}`] : []),
        ...serviceConnectDeployCommand(stack).split('\n').map((line) => `  ${line}`),
      ]),
      [{ object: stack.template }],
      [...CLOUDFORMATION_KEY_ORDER.slice(0, 6), 'Name', 'Image', 'Type', 'Condition', 'DependsOn', 'Properties'],
    ),
  }));
}

/** Every step's translation: the templates are the same at every step, but the definition's uses differ. */
export function serviceConnectTranslations(walkthrough: Walkthrough, log: TranslationLog): void {
  for (const step of walkthrough.steps) serviceConnectStacks(walkthrough, step.name, log);
}

