/**
 * A small ECS walkthrough of our own that uses what ingress-gateway-ecs does not: an HTTP Cloud Map
 * namespace with an `awsCloudMap` node, X-Ray daemon sidecars, a task outside the mesh, a backend,
 * and a second step that adds a node, its task and a weighted target. It proves the ECS renderer is
 * general rather than shaped around the one ECS walkthrough we have.
 */
import type { CloudMapNamespace } from '../../src/model/aws.js';
import { mesh, ms, pingHealthCheck, virtualNode, virtualRouter, virtualService, weightedTargets, workload } from '../../src/model/build.js';
import type { Walkthrough } from '../../src/model/walkthrough.js';
import type { EcsTaskFacts, WorkloadSpec } from '../../src/model/workload.js';

export function fargate(appPorts: number[] | undefined): EcsTaskFacts {
  return {
    launchType: 'FARGATE',
    networkMode: 'awsvpc',
    cpu: 512,
    memory: 1024,
    desiredCount: 2,
    ...(appPorts
      ? {
          proxyConfiguration: {
            type: 'APPMESH',
            containerName: 'envoy',
            ignoredUid: 1337,
            proxyIngressPort: 15000,
            proxyEgressPort: 15001,
            appPorts,
            egressIgnoredIps: ['169.254.170.2', '169.254.169.254'],
          },
        }
      : {}),
    envoy: appPorts ? { user: '1337', adminPort: 9901, appDependsOnHealthyEnvoy: true, ulimitNofile: 15000 } : { adminPort: 9901, appDependsOnHealthyEnvoy: false, ulimitNofile: 15000 },
  };
}

const tracing: Partial<WorkloadSpec> = {
  proxyEnv: { ENABLE_ENVOY_XRAY_TRACING: '1', XRAY_DAEMON_PORT: '2000' },
  sidecars: ['xray-daemon'],
};

const namespace: CloudMapNamespace = { kind: 'CloudMapNamespace', metadata: { name: 'music.local' }, spec: { type: 'http' } };

function jazz(version: 'v1' | 'v2') {
  return [
    workload(undefined, `jazz-${version}`, {
      component: 'music',
      replicas: 1,
      podLabels: { app: 'jazz', version },
      ports: [{ name: 'http', port: 9080 }],
      env: { GENRE: 'jazz', VERSION: version },
      meshIdentity: { virtualNode: `jazz-${version}` },
      ecs: fargate([9080]),
      ...tracing,
    }),
    virtualNode(undefined, `jazz-${version}`, {
      listeners: [{ portMapping: { port: 9080, protocol: 'http' }, healthCheck: pingHealthCheck() }],
      serviceDiscovery: { awsCloudMap: { namespaceName: 'music.local', serviceName: `jazz-${version}` } },
    }),
  ];
}

function router(weights: Record<string, number>) {
  return virtualRouter(undefined, 'jazz-router', {
    listeners: [{ portMapping: { port: 9080, protocol: 'http' } }],
    routes: [
      {
        name: 'jazz-route',
        httpRoute: {
          match: { prefix: '/' },
          action: { weightedTargets: weightedTargets(weights) },
          retryPolicy: { maxRetries: 2, perRetryTimeout: ms(2000), httpRetryEvents: ['server-error'] },
        },
      },
    ],
  });
}

export const musicOnEcs: Walkthrough = {
  name: 'ingress-gateway-ecs',
  title: 'A test walkthrough: jazz on ECS',
  source: { title: 'a fixture of this test suite, following no original', site: 'this repository' },
  teaches: [],
  platform: 'ecs',
  region: 'eu-west-1',
  accounts: [{ name: 'main', title: 'an account', exampleId: '444455556666' }],
  clusters: [
    {
      name: 'main',
      title: 'ECS cluster',
      clusterName: 'music',
      account: 'main',
      resources: [
        mesh('music', { egressFilter: { type: 'DROP_ALL' } }),
        namespace,
        ...jazz('v1'),
        router({ 'jazz-v1': 1 }),
        virtualService(undefined, 'jazz.music.local', { provider: { virtualRouter: { virtualRouterRef: { name: 'jazz-router' } } } }),
        workload(undefined, 'dj', {
          component: 'dj',
          replicas: 1,
          podLabels: { app: 'dj' },
          ports: [{ name: 'http', port: 9080 }],
          env: { JAZZ_URL: 'http://jazz.music.local:9080' },
          meshIdentity: { virtualNode: 'dj' },
          ecs: fargate([9080]),
          ...tracing,
        }),
        virtualNode(undefined, 'dj', {
          listeners: [{ portMapping: { port: 9080, protocol: 'http' } }],
          serviceDiscovery: { awsCloudMap: { namespaceName: 'music.local', serviceName: 'dj' } },
          backends: [{ virtualService: { virtualServiceRef: { name: 'jazz.music.local' } } }],
        }),
        workload(undefined, 'curl', { component: 'curl', replicas: 1, podLabels: { app: 'curl' }, ports: [], command: ['sleep', 'infinity'], ecs: fargate(undefined) }),
      ],
    },
  ],
  steps: [
    { name: 'v1', title: 'Only v1', summary: 'Jazz v1 alone.', changes: [] },
    {
      name: 'canary',
      title: 'A v2 canary',
      summary: 'Jazz v2 gets a fifth of the requests.',
      changes: [...jazz('v2').map((resource) => ({ op: 'put' as const, resource })), { op: 'put' as const, resource: router({ 'jazz-v1': 4, 'jazz-v2': 1 }) }],
    },
  ],
  entries: [],
  checks: [],
  corrections: [],
};
