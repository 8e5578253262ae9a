/**
 * The AWS side of an EKS walkthrough as CloudFormation: managed policies for Envoy's service
 * accounts, the RAM share of a mesh, a Cloud Map namespace, and VPC peering between two clusters'
 * VPCs. Long-form intrinsics (`Fn::Sub`, `Ref`) keep the files plain YAML.
 */
import type { CloudMapNamespace, IamPolicy, ResourceShare, VpcPeering } from '../../model/aws.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';

export type Template = Record<string, unknown>;

export interface TemplateFile {
  /** Cluster folder the template belongs to (its account deploys it). */
  cluster: string;
  file: string;
  template: Template;
  /** The `aws cloudformation deploy` the guide shows: stack name and parameters to pass. */
  stackName: string;
  parameters: Record<string, string>;
  capabilities?: string[];
}

export function logicalId(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

const sub = (text: string) => (text.includes('${') ? { 'Fn::Sub': text } : text);

export function iamTemplate(walkthrough: Walkthrough, cluster: Cluster, policies: readonly IamPolicy[]): TemplateFile {
  const parameters = Object.assign({}, ...policies.map((p) => p.spec.parameters ?? {})) as Record<string, { description: string }>;
  const resources: Record<string, unknown> = {};
  const outputs: Record<string, unknown> = {};
  for (const policy of policies) {
    const id = `${logicalId(policy.metadata.name)}Policy`;
    resources[id] = {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        ManagedPolicyName: `${walkthrough.name}-${policy.metadata.name}`,
        Description: policy.spec.description,
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: policy.spec.statements.map((s) => ({ Effect: s.effect, Action: s.actions, Resource: s.resources.map(sub) })),
        },
      },
    };
    outputs[`${id}Arn`] = { Description: `ARN of ${policy.metadata.name}, to attach to the service accounts' roles`, Value: { Ref: id } };
  }
  const parameterValues = Object.fromEntries(
    Object.keys(parameters).map((name) => [name, name === 'MeshOwnerAccountId' ? '<frontend account ID>' : `<${name}>`]),
  );
  return {
    cluster: cluster.name,
    file: 'cloudformation/iam.yaml',
    stackName: `${walkthrough.name}-${cluster.name === 'main' ? '' : `${cluster.name}-`}iam`,
    parameters: parameterValues,
    capabilities: ['CAPABILITY_NAMED_IAM'],
    template: {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `IAM policies for the Envoy proxies of ${walkthrough.name}${walkthrough.clusters.length > 1 ? ` (${cluster.title})` : ''}`,
      ...(Object.keys(parameters).length
        ? { Parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, { Type: 'String', Description: v.description }])) }
        : {}),
      Resources: resources,
      Outputs: outputs,
    },
  };
}

export function meshShareTemplate(walkthrough: Walkthrough, cluster: Cluster, share: ResourceShare): TemplateFile {
  const principals = share.spec.principals.map((name) => `${logicalId(name)}AccountId`);
  return {
    cluster: cluster.name,
    file: 'cloudformation/mesh-share.yaml',
    stackName: `${walkthrough.name}-mesh-share`,
    parameters: Object.fromEntries(principals.map((p, i) => [p, `<${share.spec.principals[i]} account ID>`])),
    template: {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `Shares mesh ${share.spec.meshName} with ${share.spec.principals.join(', ')} through AWS RAM`,
      Parameters: Object.fromEntries(principals.map((p, i) => [p, { Type: 'String', Description: `The ${share.spec.principals[i]} account` }])),
      Resources: {
        [logicalId(share.metadata.name)]: {
          Type: 'AWS::RAM::ResourceShare',
          Properties: {
            Name: share.metadata.name,
            AllowExternalPrincipals: share.spec.allowExternalPrincipals,
            Principals: principals.map((p) => ({ Ref: p })),
            ResourceArns: [{ 'Fn::Sub': `arn:\${AWS::Partition}:appmesh:\${AWS::Region}:\${AWS::AccountId}:mesh/${share.spec.meshName}` }],
          },
        },
      },
    },
  };
}

export function cloudMapTemplate(walkthrough: Walkthrough, cluster: Cluster, namespace: CloudMapNamespace): TemplateFile {
  if (namespace.spec.type !== 'http') throw new Error(`the EKS renderer only creates HTTP Cloud Map namespaces, not ${namespace.spec.type}`);
  return {
    cluster: cluster.name,
    file: 'cloudformation/cloud-map.yaml',
    stackName: `${walkthrough.name}-cloud-map`,
    parameters: {},
    template: {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `Cloud Map namespace ${namespace.metadata.name}; the App Mesh controller registers the pods of awsCloudMap virtual nodes in it`,
      Resources: {
        Namespace: {
          Type: 'AWS::ServiceDiscovery::HttpNamespace',
          Properties: { Name: namespace.metadata.name, Description: `Service discovery for ${walkthrough.name}` },
        },
      },
      Outputs: { NamespaceId: { Value: { Ref: 'Namespace' } } },
    },
  };
}

function routeResources(peerCidr: string, peeringConnection: unknown) {
  return {
    PeerRoute1: {
      Type: 'AWS::EC2::Route',
      Properties: { RouteTableId: { Ref: 'RouteTableId1' }, DestinationCidrBlock: peerCidr, VpcPeeringConnectionId: peeringConnection },
    },
    PeerRoute2: {
      Type: 'AWS::EC2::Route',
      Condition: 'HasSecondRouteTable',
      Properties: { RouteTableId: { Ref: 'RouteTableId2' }, DestinationCidrBlock: peerCidr, VpcPeeringConnectionId: peeringConnection },
    },
    PeerIngress: {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: { Ref: 'NodeSecurityGroupId' },
        IpProtocol: '-1',
        CidrIp: peerCidr,
        Description: 'Traffic from the peered cluster’s VPC',
      },
    },
  };
}

const routeParameters = {
  RouteTableId1: { Type: 'String', Description: 'A private route table of this cluster’s VPC' },
  RouteTableId2: { Type: 'String', Default: '', Description: 'A second private route table (leave empty if there is only one)' },
  NodeSecurityGroupId: { Type: 'String', Description: 'Security group of the cluster’s nodes' },
};
const routeConditions = { HasSecondRouteTable: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'RouteTableId2' }, ''] }] } };

/** Three templates: the accepter's role, the requester's peering and routes, the accepter's routes. */
export function peeringTemplates(walkthrough: Walkthrough, peering: VpcPeering): TemplateFile[] {
  const requester = walkthrough.clusters.find((c) => c.name === peering.spec.requester);
  const accepter = walkthrough.clusters.find((c) => c.name === peering.spec.accepter);
  if (!requester?.vpcCidr || !accepter?.vpcCidr) throw new Error(`VPC peering ${peering.metadata.name} needs two clusters with a vpcCidr`);
  const name = peering.metadata.name;
  return [
    {
      cluster: accepter.name,
      file: 'cloudformation/vpc-peering-role.yaml',
      stackName: `${name}-role`,
      parameters: { PeerAccountId: `<${requester.account} account ID>` },
      capabilities: ['CAPABILITY_IAM'],
      template: {
        AWSTemplateFormatVersion: '2010-09-09',
        Description: `Lets the ${requester.account} account peer its VPC with this one (${accepter.vpcCidr}) and have the peering accepted`,
        Parameters: { PeerAccountId: { Type: 'String', Description: `The ${requester.account} account, which requests the peering` } },
        Resources: {
          PeerRole: {
            Type: 'AWS::IAM::Role',
            Properties: {
              AssumeRolePolicyDocument: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${PeerAccountId}:root' } }, Action: 'sts:AssumeRole' }],
              },
              Policies: [
                {
                  PolicyName: 'accept-vpc-peering',
                  PolicyDocument: {
                    Version: '2012-10-17',
                    Statement: [{ Effect: 'Allow', Action: 'ec2:AcceptVpcPeeringConnection', Resource: '*' }],
                  },
                },
              ],
            },
          },
        },
        Outputs: { PeerRoleArn: { Value: { 'Fn::GetAtt': ['PeerRole', 'Arn'] } } },
      },
    },
    {
      cluster: requester.name,
      file: 'cloudformation/vpc-peering.yaml',
      stackName: name,
      parameters: {
        VpcId: `<${requester.name} cluster VPC ID>`,
        PeerVpcId: `<${accepter.name} cluster VPC ID>`,
        PeerOwnerId: `<${accepter.account} account ID>`,
        PeerRoleArn: '<PeerRoleArn output of the role stack>',
        RouteTableId1: `<a private route table of the ${requester.name} VPC>`,
        NodeSecurityGroupId: `<${requester.name} node security group>`,
      },
      template: {
        AWSTemplateFormatVersion: '2010-09-09',
        Description: `Peers this VPC (${requester.vpcCidr}) with the ${accepter.name} cluster's VPC (${accepter.vpcCidr}) and routes to it`,
        Parameters: {
          VpcId: { Type: 'AWS::EC2::VPC::Id', Description: 'This cluster’s VPC' },
          PeerVpcId: { Type: 'String', Description: `The ${accepter.name} cluster’s VPC` },
          PeerOwnerId: { Type: 'String', Description: `The ${accepter.account} account` },
          PeerRoleArn: { Type: 'String', Description: 'Role in the peer account allowed to accept the peering' },
          ...routeParameters,
        },
        Conditions: routeConditions,
        Resources: {
          Peering: {
            Type: 'AWS::EC2::VPCPeeringConnection',
            Properties: { VpcId: { Ref: 'VpcId' }, PeerVpcId: { Ref: 'PeerVpcId' }, PeerOwnerId: { Ref: 'PeerOwnerId' }, PeerRoleArn: { Ref: 'PeerRoleArn' } },
          },
          ...routeResources(accepter.vpcCidr, { Ref: 'Peering' }),
        },
        Outputs: { PeeringConnectionId: { Value: { Ref: 'Peering' } } },
      },
    },
    {
      cluster: accepter.name,
      file: 'cloudformation/vpc-peering-routes.yaml',
      stackName: `${name}-routes`,
      parameters: {
        PeeringConnectionId: '<PeeringConnectionId output of the peering stack>',
        RouteTableId1: `<a private route table of the ${accepter.name} VPC>`,
        NodeSecurityGroupId: `<${accepter.name} node security group>`,
      },
      template: {
        AWSTemplateFormatVersion: '2010-09-09',
        Description: `Routes this VPC (${accepter.vpcCidr}) to the peered ${requester.name} VPC (${requester.vpcCidr})`,
        Parameters: { PeeringConnectionId: { Type: 'String', Description: 'The accepted peering connection' }, ...routeParameters },
        Conditions: routeConditions,
        Resources: routeResources(requester.vpcCidr, { Ref: 'PeeringConnectionId' }),
      },
    },
  ];
}
