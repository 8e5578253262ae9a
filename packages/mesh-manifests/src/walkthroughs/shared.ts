/**
 * Pieces several walkthroughs share: the IAM that lets Envoy fetch its configuration, the service
 * account that carries it, and the shapes of the common workloads.
 */
import type { IamPolicy, IamStatement, ServiceAccountRole } from '../model/aws.js';
import { service, workload } from '../model/build.js';
import type { Service } from '../model/kubernetes.js';
import type { Citation } from '../model/walkthrough.js';
import type { Workload, WorkloadSpec } from '../model/workload.js';

/**
 * The service account every meshed pod of a walkthrough runs under. The name is the one the blog
 * series behind mesh-basics created with `eksctl create iamserviceaccount`, so a learner reading
 * both finds the same account.
 */
/** AWS's announcement of virtual gateways, which both ingress walkthroughs' originals build on. */
export const INGRESS_SUPPORT_POST: Citation = {
  title: 'Introducing Ingress support in AWS App Mesh',
  author: 'AWS',
  site: 'AWS Containers Blog',
  date: '2020-07',
  url: 'https://aws.amazon.com/blogs/containers/introducing-ingress-support-in-aws-app-mesh/',
};

export const PROXY_SERVICE_ACCOUNT = 'appmesh-proxyauth';

/**
 * Envoy streams its configuration with `appmesh:StreamAggregatedResources`, scoped to this mesh's
 * virtual nodes and gateways. `meshAccount` is the CloudFormation expression of the account that
 * owns the mesh (a parameter when the mesh is shared from another account).
 */
export function envoyPolicy(
  name: string,
  meshName: string,
  options: { meshAccount?: string; extraStatements?: IamStatement[]; parameters?: IamPolicy['spec']['parameters'] } = {},
): IamPolicy {
  const account = options.meshAccount ?? '${AWS::AccountId}';
  const meshArn = `arn:\${AWS::Partition}:appmesh:\${AWS::Region}:${account}:mesh/${meshName}`;
  return {
    kind: 'IamPolicy',
    metadata: { name },
    spec: {
      description: `Lets Envoy proxies fetch their configuration for mesh ${meshName}`,
      ...(options.parameters ? { parameters: options.parameters } : {}),
      statements: [
        {
          effect: 'Allow',
          actions: ['appmesh:StreamAggregatedResources'],
          resources: [`${meshArn}/virtualNode/*`, `${meshArn}/virtualGateway/*`],
        },
        ...(options.extraStatements ?? []),
      ],
    },
  };
}

export function proxyServiceAccount(namespace: string, roleName: string, policies: string[]): ServiceAccountRole {
  return {
    kind: 'ServiceAccountRole',
    metadata: { name: PROXY_SERVICE_ACCOUNT, namespace },
    spec: { roleName, policies },
  };
}

/** ColorTeller answers its COLOR on every path but /ping; SERVER_PORT sets its port. */
export function colorTeller(
  namespace: string | undefined,
  name: string,
  options: { color: string; port: number; podLabels: Record<string, string>; extra?: Partial<WorkloadSpec> },
): Workload {
  return workload(namespace, name, {
    component: 'colorteller',
    replicas: 1,
    podLabels: options.podLabels,
    ports: [{ name: 'http', port: options.port }],
    env: { COLOR: options.color, SERVER_PORT: String(options.port) },
    probe: { path: '/ping', port: options.port },
    ...(namespace === undefined ? {} : { serviceAccountName: PROXY_SERVICE_ACCOUNT }),
    ...options.extra,
  });
}

/** An Envoy that runs a virtual gateway (its podSelector picks these pods). */
export function gatewayEnvoy(
  namespace: string | undefined,
  name: string,
  options: { port: number; podLabels: Record<string, string>; extra?: Partial<WorkloadSpec> },
): Workload {
  return workload(namespace, name, {
    component: 'envoy-gateway',
    replicas: 1,
    podLabels: options.podLabels,
    ports: [{ name: 'http', port: options.port }],
    ...(namespace === undefined ? {} : { serviceAccountName: PROXY_SERVICE_ACCOUNT }),
    ...options.extra,
  });
}

/**
 * A virtual gateway's Envoy on EKS, reached through a Network Load Balancer: the Deployment and
 * the LoadBalancer Service mapping port 80 to the gateway's listener port.
 */
export function gatewayBehindNlb(namespace: string, name: string, port: number): [Workload, Service] {
  const podLabels = { app: name };
  return [
    gatewayEnvoy(namespace, name, { port, podLabels }),
    service(namespace, name, { type: 'LoadBalancer', nlb: true, selector: podLabels, ports: [{ name: 'http', port: 80, targetPort: port }] }),
  ];
}

export const JAZZ_V1 = ['Astrud Gilberto', 'Miles Davis'];
export const JAZZ_V2 = ['Astrud Gilberto (Bahia, Brazil)', 'Miles Davis (Alton, Illinois)'];
export const METAL_V1 = ['Megadeth', 'Judas Priest'];
export const METAL_V2 = ['Megadeth (Los Angeles, California)', 'Judas Priest (West Bromwich, England)'];

/** Envoy's answer when it cannot connect to an upstream (e.g. TLS required but not offered). */
export const ENVOY_CONNECTION_FAILURE = 'upstream connect error or disconnect/reset before headers. reset reason: connection failure';
