/**
 * The base stack of an ECS walkthrough: what the tasks need before they exist and what no step
 * changes — the ECS cluster, the log group, the task role (Envoy's permission to fetch its
 * configuration, and what the sidecars send), the execution role (images, logs, the TLS files in
 * SSM), the tasks' security group and the Cloud Map namespaces. The VPC is the learner's.
 */
import type { IamStatement } from '../../model/aws.js';
import { ofKind, type ClusterState } from '../../model/state.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import { namespaceParameter } from './discovery.js';
import { getAtt, logicalId, ref, sub, type CfnResource, type CfnTemplate, type Json } from './template.js';

function statement(s: IamStatement): Json {
  return { Effect: s.effect, Action: [...s.actions], Resource: s.resources.map((r) => (r.includes('${') ? sub(r) : r)) };
}

function uniqueStatements(statements: readonly IamStatement[]): IamStatement[] {
  const seen = new Map<string, IamStatement>();
  for (const s of statements) seen.set(JSON.stringify(s), s);
  return [...seen.values()];
}

export function baseTemplate(walkthrough: Walkthrough, cluster: Cluster, states: readonly ClusterState[], meshName: string): CfnTemplate {
  const resources = states.flatMap((s) => s.resources);
  const workloads = ofKind(resources, 'Workload');
  const sidecars = new Set(workloads.flatMap((w) => w.spec.sidecars ?? []));
  const anyExec = workloads.some((w) => !w.spec.ecs?.proxyConfiguration);
  const hasCertificates = ofKind(resources, 'CertificateAuthority').length > 0;
  const namespaces = [...new Map(ofKind(resources, 'CloudMapNamespace').map((n) => [n.metadata.name, n])).values()];
  const meshArn = `arn:\${AWS::Partition}:appmesh:\${AWS::Region}:\${AWS::AccountId}:mesh/${meshName}`;

  const taskStatements = uniqueStatements([
    { effect: 'Allow', actions: ['appmesh:StreamAggregatedResources'], resources: [`${meshArn}/virtualNode/*`, `${meshArn}/virtualGateway/*`] },
    ...(sidecars.has('cloudwatch-agent') ? [{ effect: 'Allow' as const, actions: ['cloudwatch:PutMetricData'], resources: ['*'] }] : []),
    ...(sidecars.has('xray-daemon')
      ? [{ effect: 'Allow' as const, actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'], resources: ['*'] }]
      : []),
    ...(anyExec
      ? [
          {
            effect: 'Allow' as const,
            actions: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
            resources: ['*'],
          },
        ]
      : []),
    ...ofKind(resources, 'IamPolicy').flatMap((p) => p.spec.statements),
  ]);

  const namespaceResources: Record<string, CfnResource> = {};
  const namespaceOutputs: NonNullable<CfnTemplate['Outputs']> = {};
  for (const namespace of namespaces) {
    const id = `${logicalId(namespace.metadata.name)}Namespace`;
    namespaceResources[id] =
      namespace.spec.type === 'dns-private'
        ? {
            Type: 'AWS::ServiceDiscovery::PrivateDnsNamespace',
            Properties: { Name: namespace.metadata.name, Vpc: ref('VpcId'), Description: `Service discovery for ${walkthrough.name}: a private Route 53 zone in the VPC` },
          }
        : { Type: 'AWS::ServiceDiscovery::HttpNamespace', Properties: { Name: namespace.metadata.name, Description: `Service discovery for ${walkthrough.name} (API only)` } };
    namespaceOutputs[namespaceParameter(namespace)] = { Description: `ID of Cloud Map namespace ${namespace.metadata.name}`, Value: getAtt(id, 'Id') };
  }

  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `ECS cluster, roles, log group, security group and Cloud Map namespaces of ${walkthrough.name}`,
    Parameters: {
      VpcId: { Type: 'AWS::EC2::VPC::Id', Description: 'The VPC the tasks run in' },
      VpcCidr: {
        Type: 'String',
        Description: 'The VPC’s CIDR block: the tasks accept traffic from inside the VPC only (the load balancer, each other)',
        ...(cluster.vpcCidr ? { Default: cluster.vpcCidr } : {}),
      },
    },
    Resources: {
      Cluster: { Type: 'AWS::ECS::Cluster', Properties: { ClusterName: cluster.clusterName } },
      LogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/ecs/${walkthrough.name}`, RetentionInDays: 30 } },
      TaskRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          Policies: [{ PolicyName: 'envoy-and-sidecars', PolicyDocument: { Version: '2012-10-17', Statement: taskStatements.map(statement) } }],
        },
      },
      TaskExecutionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          ManagedPolicyArns: [sub('arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy')],
          ...(hasCertificates
            ? {
                Policies: [
                  {
                    PolicyName: 'read-tls-files',
                    PolicyDocument: {
                      Version: '2012-10-17',
                      Statement: [
                        {
                          Effect: 'Allow',
                          Action: ['ssm:GetParameters'],
                          Resource: [sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/amw/${walkthrough.name}/*`)],
                        },
                      ],
                    },
                  },
                ],
              }
            : {}),
        },
      },
      TaskSecurityGroup: {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: {
          GroupDescription: `Tasks of ${walkthrough.name}: any traffic from inside the VPC`,
          VpcId: ref('VpcId'),
          SecurityGroupIngress: [{ IpProtocol: '-1', CidrIp: ref('VpcCidr'), Description: 'The load balancer and the other tasks' }],
        },
      },
      ...namespaceResources,
    },
    Outputs: {
      Cluster: { Description: 'The ECS cluster', Value: ref('Cluster') },
      TaskRoleArn: { Description: 'Role of the tasks’ containers', Value: getAtt('TaskRole', 'Arn') },
      TaskExecutionRoleArn: { Description: 'Role ECS starts the tasks with', Value: getAtt('TaskExecutionRole', 'Arn') },
      LogGroup: { Description: 'Log group of every container', Value: ref('LogGroup') },
      TaskSecurityGroup: { Description: 'Security group of the tasks', Value: getAtt('TaskSecurityGroup', 'GroupId') },
      ...namespaceOutputs,
    },
  };
}
