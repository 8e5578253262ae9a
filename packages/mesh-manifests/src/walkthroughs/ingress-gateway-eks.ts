/**
 * ingress-gateway-eks (the EKS edition of the ingress gateway walkthrough): a virtual gateway with
 * two gateway routes, one to a router that matches on a header, one to a router that matches on
 * the path, over five ColorTeller nodes.
 */
import type { HeaderMatch, Route } from '../model/appmesh.js';
import {
  gatewayRoute,
  mesh,
  meshNamespace,
  pingHealthCheck,
  service,
  virtualGateway,
  virtualNode,
  virtualRouter,
  virtualService,
  weightedTargets,
} from '../model/build.js';
import type { Check } from '../model/checks.js';
import type { Walkthrough } from '../model/walkthrough.js';
import { colorTeller, envoyPolicy, gatewayBehindNlb, INGRESS_SUPPORT_POST, proxyServiceAccount } from './shared.js';

const NS = 'howto-k8s-ingress-gateway';
const MESH = NS;
const COLORS = ['white', 'blue', 'red', 'yellow', 'green'] as const;
type Color = (typeof COLORS)[number];
const PORT = 8080;

function route(name: string, color: Color, priority: number | undefined, match: { prefix: string; header?: HeaderMatch }): Route {
  return {
    name,
    ...(priority === undefined ? {} : { priority }),
    httpRoute: {
      match: { prefix: match.prefix, ...(match.header ? { headers: [match.header] } : {}) },
      action: { weightedTargets: weightedTargets({ [color]: 1 }) },
    },
  };
}

const headerRoutes: Route[] = [
  route('color-route-blue', 'blue', 10, { prefix: '/', header: { name: 'color_header', match: { exact: 'blue' } } }),
  route('color-route-green', 'green', 20, { prefix: '/', header: { name: 'color_header', match: { regex: '.*green.*' } } }),
  route('color-route-red', 'red', 30, { prefix: '/', header: { name: 'color_header', match: { prefix: 'red' } } }),
  route('color-route-yellow', 'yellow', 40, { prefix: '/', header: { name: 'color_header' } }),
  route('color-route-white', 'white', undefined, { prefix: '/' }),
];

const pathRoutes: Route[] = [
  route('color-route-blue', 'blue', 10, { prefix: '/blue' }),
  route('color-route-green', 'green', 20, { prefix: '/green' }),
  route('color-route-red', 'red', 30, { prefix: '/red' }),
  route('color-route-yellow', 'yellow', 40, { prefix: '/yellow' }),
  route('color-route-white', 'white', undefined, { prefix: '/' }),
];

function answers(name: string, title: string, path: string, color: Color, headers?: Record<string, string>, explain?: string): Check {
  return {
    name,
    title,
    request: { entry: 'gateway', path, ...(headers ? { headers } : {}) },
    expect: { kind: 'always', response: { body: { equals: color }, label: color } },
    ...(explain ? { explain } : {}),
  };
}

export const ingressGatewayEks: Walkthrough = {
  name: 'ingress-gateway-eks',
  title: 'Ingress gateway on EKS: routing on paths and headers',
  source: {
    title: 'Configuring Ingress Gateway (howto-k8s-ingress-gateway)',
    author: 'AWS',
    site: 'aws/aws-app-mesh-examples on GitHub',
    url: 'https://github.com/aws/aws-app-mesh-examples/tree/main/walkthroughs/howto-k8s-ingress-gateway',
    related: [
      INGRESS_SUPPORT_POST,
    ],
  },
  teaches: [
    'a virtual gateway that selects the namespaces of its gateway routes and the pods of its Envoy',
    'gateway routes on a path prefix, with the matched prefix rewritten to `/`',
    'router routes that match a header exactly, by regex, by prefix or by mere presence, ordered by priority',
    'a default route without priority that catches everything else',
  ],
  platform: 'eks',
  region: 'us-west-2',
  accounts: [{ name: 'main', title: 'your AWS account', exampleId: '111122223333' }],
  clusters: [
    {
      name: 'main',
      title: 'EKS cluster',
      clusterName: 'howto-k8s-ingress-gateway',
      account: 'main',
      resources: [
        mesh(MESH, { namespaceSelector: { matchLabels: { mesh: MESH } } }),
        meshNamespace(NS, MESH, { gateway: 'ingress-gw' }),
        envoyPolicy('appmesh-proxyauth', MESH),
        proxyServiceAccount(NS, 'howto-k8s-ingress-gateway-appmesh-proxyauth', ['appmesh-proxyauth']),
        virtualGateway(NS, 'ingress-gw', {
          namespaceSelector: { matchLabels: { gateway: 'ingress-gw' } },
          podSelector: { matchLabels: { app: 'ingress-gw' } },
          listeners: [{ portMapping: { port: 8088, protocol: 'http' } }],
        }),
        ...([
          ['gateway-route-headers', '/headers', 'color-headers'],
          ['gateway-route-paths', '/paths', 'color-paths'],
        ] as const).map(([name, prefix, target]) =>
          gatewayRoute(NS, name, {
            httpRoute: { match: { prefix }, action: { target: { virtualService: { virtualServiceRef: { name: target } } } } },
          }),
        ),
        ...COLORS.flatMap((color) => {
          const labels = { app: 'color', version: color };
          return [
            colorTeller(NS, color, { color, port: PORT, podLabels: labels }),
            service(NS, `color-${color}`, { selector: labels, ports: [{ name: 'http', port: PORT, targetPort: 'http' }] }),
            virtualNode(NS, color, {
              podSelector: { matchLabels: labels },
              listeners: [{ portMapping: { port: PORT, protocol: 'http' }, healthCheck: pingHealthCheck() }],
              serviceDiscovery: { dns: { hostname: `color-${color}.${NS}.svc.cluster.local` } },
            }),
          ];
        }),
        ...([
          ['color-headers', headerRoutes],
          ['color-paths', pathRoutes],
        ] as const).flatMap(([name, routes]) => [
          virtualRouter(NS, name, { listeners: [{ portMapping: { port: PORT, protocol: 'http' } }], routes: [...routes] }),
          virtualService(NS, name, {
            awsName: `${name}.${NS}.svc.cluster.local`,
            provider: { virtualRouter: { virtualRouterRef: { name } } },
          }),
          service(NS, name, { ports: [{ name: 'http', port: PORT, targetPort: PORT }] }),
        ]),
        ...gatewayBehindNlb(NS, 'ingress-gw', 8088),
      ],
    },
  ],
  steps: [{ name: 'mesh', title: 'Create the mesh', summary: 'Apply the mesh, the gateway, the routers and the five colour nodes.', changes: [] }],
  entries: [
    {
      name: 'gateway',
      title: 'the gateway’s Network Load Balancer',
      kind: 'load-balancer',
      service: { name: 'ingress-gw', namespace: NS },
      port: 80,
      envVar: 'GW_ENDPOINT',
    },
  ],
  checks: [
    answers('paths-red', '/paths/red answers red', '/paths/red', 'red', undefined, 'gateway-route-paths rewrites /paths to /, so color-paths sees /red.'),
    answers('paths-blue', '/paths/blue answers blue', '/paths/blue', 'blue'),
    answers('paths-yellow', '/paths/yellow answers yellow', '/paths/yellow', 'yellow'),
    answers('paths-default', '/paths alone falls through to white', '/paths', 'white', undefined, 'No prefix route matches `/`, so the default route without priority answers.'),
    answers('headers-blue', 'color_header: blue answers blue', '/headers', 'blue', { color_header: 'blue' }),
    answers('headers-red', 'color_header: red answers red', '/headers', 'red', { color_header: 'red' }),
    answers(
      'headers-green',
      'color_header: requesting.green.color answers green (regex)',
      '/headers',
      'green',
      { color_header: 'requesting.green.color' },
      'The value is not `blue` (priority 10), and matches `.*green.*` (priority 20).',
    ),
    answers(
      'headers-yellow',
      'color_header: rainbow answers yellow (header present)',
      '/headers',
      'yellow',
      { color_header: 'rainbow' },
      'No value route matches, but the header is present: color-route-yellow has no match method.',
    ),
    answers('headers-none', 'no header answers white', '/headers', 'white', undefined, 'Without the header only the default route matches.'),
  ],
  corrections: [
    {
      original: 'The manifest template still takes `ENVOY_IMAGE` for the gateway Deployment, which the deploy script no longer sets.',
      correction: 'The gateway Deployment names the App Mesh Envoy image explicitly; the controller may still replace it with its own sidecar image, as it does for every gateway pod.',
    },
    {
      original: 'Pods ran as root without resource limits.',
      correction: 'Every container is non-root with a read-only root filesystem, dropped capabilities, seccomp RuntimeDefault and requests/limits.',
    },
    {
      original: 'The sample app was a Python http.server answering only GET (other methods got 501).',
      correction: 'ColorTeller answers every method with its colour, as the original ColorTeller does.',
    },
  ],
};
