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
import type { Localized } from '../model/text.js';
import type { GuidedCheck, GuidedWalkthrough } from '../model/walkthrough.js';
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

function answers(name: string, title: Localized, path: string, color: Color, headers?: Record<string, string>, explain?: Localized): GuidedCheck {
  return {
    name,
    title: title.en,
    ja: { title: title.ja },
    request: { entry: 'gateway', path, ...(headers ? { headers } : {}) },
    expect: { kind: 'always', response: { body: { equals: color }, label: color, ja: { label: color } } },
    ...(explain ? { explain } : {}),
  };
}

export const ingressGatewayEks: GuidedWalkthrough = {
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
    { en: 'a virtual gateway that selects the namespaces of its gateway routes and the pods of its Envoy', ja: 'ゲートウェイルートの名前空間と、Envoy の Pod を選ぶ仮想ゲートウェイ' },
    { en: 'gateway routes on a path prefix, with the matched prefix rewritten to `/`', ja: 'パスのプレフィックスで振り分け、一致したプレフィックスを `/` に書き換えるゲートウェイルート' },
    { en: 'router routes that match a header exactly, by regex, by prefix or by mere presence, ordered by priority', ja: 'ヘッダーを完全一致、正規表現、プレフィックス、ヘッダーの有無で照合し、優先度の順に評価するルーターのルート' },
    { en: 'a default route without priority that catches everything else', ja: '優先度を持たず、それ以外のすべてを受け止めるデフォルトのルート' },
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
  steps: [{ name: 'mesh', title: 'Create the mesh', ja: { title: 'メッシュを作成する', summary: 'メッシュ、ゲートウェイ、ルーター、5 色のノードを適用します。' }, summary: 'Apply the mesh, the gateway, the routers and the five colour nodes.', changes: [] }],
  entries: [
    {
      name: 'gateway',
      title: 'the gateway’s Network Load Balancer', ja: { title: 'ゲートウェイの Network Load Balancer' },
      kind: 'load-balancer',
      service: { name: 'ingress-gw', namespace: NS },
      port: 80,
      envVar: 'GW_ENDPOINT',
    },
  ],
  checks: [
    answers('paths-red', { en: '/paths/red answers red', ja: '/paths/red には red が返る' }, '/paths/red', 'red', undefined, { en: 'gateway-route-paths rewrites /paths to /, so color-paths sees /red.', ja: 'gateway-route-paths が /paths を / に書き換えるので、color-paths には /red が届きます。' }),
    answers('paths-blue', { en: '/paths/blue answers blue', ja: '/paths/blue には blue が返る' }, '/paths/blue', 'blue'),
    answers('paths-yellow', { en: '/paths/yellow answers yellow', ja: '/paths/yellow には yellow が返る' }, '/paths/yellow', 'yellow'),
    answers('paths-default', { en: '/paths alone falls through to white', ja: '/paths だけならデフォルトの white が返る' }, '/paths', 'white', undefined, { en: 'No prefix route matches `/`, so the default route without priority answers.', ja: '`/` に一致するプレフィックスのルートがないので、優先度のないデフォルトのルートが応答します。' }),
    answers('headers-blue', { en: 'color_header: blue answers blue', ja: 'color_header: blue には blue が返る' }, '/headers', 'blue', { color_header: 'blue' }),
    answers('headers-red', { en: 'color_header: red answers red', ja: 'color_header: red には red が返る' }, '/headers', 'red', { color_header: 'red' }),
    answers(
      'headers-green',
      { en: 'color_header: requesting.green.color answers green (regex)', ja: 'color_header: requesting.green.color には green が返る（正規表現）' },
      '/headers',
      'green',
      { color_header: 'requesting.green.color' },
      { en: 'The value is not `blue` (priority 10), and matches `.*green.*` (priority 20).', ja: '値は `blue`（優先度 10）ではなく、`.*green.*`（優先度 20）に一致します。' },
    ),
    answers(
      'headers-yellow',
      { en: 'color_header: rainbow answers yellow (header present)', ja: 'color_header: rainbow には yellow が返る（ヘッダーの有無）' },
      '/headers',
      'yellow',
      { color_header: 'rainbow' },
      { en: 'No value route matches, but the header is present: color-route-yellow has no match method.', ja: '値で一致するルートはありませんが、ヘッダーはあります。color-route-yellow には照合方法の指定がありません。' },
    ),
    answers('headers-none', { en: 'no header answers white', ja: 'ヘッダーなしでは white が返る' }, '/headers', 'white', undefined, { en: 'Without the header only the default route matches.', ja: 'ヘッダーがなければ、一致するのはデフォルトのルートだけです。' }),
  ],
  corrections: [
    {
      original: { en: 'The manifest template still takes `ENVOY_IMAGE` for the gateway Deployment, which the deploy script no longer sets.', ja: 'マニフェストのテンプレートはゲートウェイの Deployment 用に今も `ENVOY_IMAGE` を受け取りますが、デプロイスクリプトはもう設定していません。' },
      correction: { en: 'The gateway Deployment names the App Mesh Envoy image explicitly; the controller may still replace it with its own sidecar image, as it does for every gateway pod.', ja: 'ゲートウェイの Deployment は App Mesh の Envoy イメージを明示します。コントローラーはすべてのゲートウェイ Pod と同じく、自分のサイドカーイメージに置き換えることがあります。' },
    },
    {
      original: { en: 'Pods ran as root without resource limits.', ja: 'Pod はリソース制限なしの root で動いていました。' },
      correction: { en: 'Every container is non-root with a read-only root filesystem, dropped capabilities, seccomp RuntimeDefault and requests/limits.', ja: 'すべてのコンテナを root 以外のユーザーで動かし、読み取り専用のルートファイルシステム、ケーパビリティの削除、seccomp RuntimeDefault、リクエストと上限を設定しています。' },
    },
    {
      original: { en: 'The sample app was a Python http.server answering only GET (other methods got 501).', ja: 'サンプルアプリは Python の http.server で、GET にしか応答しませんでした（ほかのメソッドは 501）。' },
      correction: { en: 'ColorTeller answers every method with its colour, as the original ColorTeller does.', ja: 'ColorTeller は元の ColorTeller と同じく、どのメソッドにも自分の色で応答します。' },
    },
  ],
};
