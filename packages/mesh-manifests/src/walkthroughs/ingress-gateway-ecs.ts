/**
 * ingress-gateway-ecs (ECS on Fargate): a virtual gateway routing `/color1` and `/color2` to two
 * virtual routers of ColorTellers, then TLS inside the mesh in two steps with certificates from a
 * CA of our own. The hands-on report cited in `source` skipped TLS because ACM Private CA bills a
 * monthly fee per CA; file-based certificates cost nothing, so the TLS steps stay in.
 */
import type { CertificateAuthority, CloudMapNamespace } from '../model/aws.js';
import { certificateFiles } from '../model/aws.js';
import {
  gatewayRoute,
  mesh,
  pingHealthCheck,
  virtualGateway,
  virtualNode,
  virtualRouter,
  virtualService,
  weightedTargets,
} from '../model/build.js';
import { cloudWatchAgentConfig } from '../model/components.js';
import type { VirtualGateway, VirtualNode } from '../model/appmesh.js';
import type { GuidedResponse, GuidedWalkthrough } from '../model/walkthrough.js';
import type { EcsTaskFacts } from '../model/workload.js';
import { colorTeller, ENVOY_CONNECTION_FAILURE, gatewayEnvoy, INGRESS_SUPPORT_POST } from './shared.js';

const MESH = 'ColorApp-Ingress';
const DOMAIN = 'default.svc.cluster.local';
const ENVIRONMENT = 'AppMeshIngressExample';
const COLORS = ['white', 'blue', 'black', 'red'] as const;
type Color = (typeof COLORS)[number];

const ca: CertificateAuthority = {
  kind: 'CertificateAuthority',
  metadata: { name: 'colorapp-ca' },
  spec: {
    commonName: DOMAIN,
    directory: '/certs',
    certificates: [{ name: 'colorteller', subjectAlternativeNames: [`*.${DOMAIN}`] }],
  },
};
const tlsFiles = certificateFiles(ca, 'colorteller');

const cloudMap: CloudMapNamespace = {
  kind: 'CloudMapNamespace',
  metadata: { name: DOMAIN },
  spec: {
    type: 'dns-private',
    services: [...COLORS.map((c) => `colorteller-${c}`), 'colorgateway'].map((name) => ({
      name,
      dnsRecord: { type: 'A' as const, ttl: 300 },
    })),
  },
};

function fargate(proxied: boolean): EcsTaskFacts {
  return {
    launchType: 'FARGATE',
    networkMode: 'awsvpc',
    cpu: 256,
    memory: 512,
    desiredCount: 1,
    ...(proxied
      ? {
          proxyConfiguration: {
            type: 'APPMESH',
            containerName: 'envoy',
            ignoredUid: 1337,
            proxyIngressPort: 15000,
            proxyEgressPort: 15001,
            appPorts: [9080],
            egressIgnoredIps: ['169.254.170.2', '169.254.169.254'],
          },
        }
      : {}),
    envoy: proxied
      ? { user: '1337', adminPort: 9901, appDependsOnHealthyEnvoy: true, ulimitNofile: 15000 }
      : { adminPort: 9901, appDependsOnHealthyEnvoy: false, ulimitNofile: 15000 },
  };
}

function colorNode(color: Color, tls: boolean): VirtualNode {
  return virtualNode(undefined, `colorteller-${color}-vn`, {
    listeners: [
      {
        portMapping: { port: 9080, protocol: 'http' },
        healthCheck: pingHealthCheck(),
        ...(tls
          ? {
              tls: {
                mode: 'STRICT' as const,
                certificate: { file: { certificateChain: tlsFiles.certificateChain, privateKey: tlsFiles.privateKey } },
              },
            }
          : {}),
      },
    ],
    serviceDiscovery: { dns: { hostname: `colorteller-${color}.${DOMAIN}` } },
  });
}

function gateway(trustOurCa: boolean): VirtualGateway {
  return virtualGateway(undefined, 'colorgateway-vg', {
    listeners: [{ portMapping: { port: 9080, protocol: 'http' } }],
    ...(trustOurCa
      ? { backendDefaults: { clientPolicy: { tls: { validation: { trust: { file: { certificateChain: tlsFiles.caBundle } } } } } } }
      : {}),
  });
}

const said = (color: string): GuidedResponse => ({ body: { equals: color }, label: color, ja: { label: color } });
const connectionFailure: GuidedResponse = {
  status: 503,
  body: { equals: ENVOY_CONNECTION_FAILURE },
  label: 'HTTP 503 with Envoy’s connection-failure text',
  ja: { label: 'HTTP 503 と Envoy の接続失敗のメッセージ' },
};

export const ingressGatewayEcs: GuidedWalkthrough = {
  name: 'ingress-gateway-ecs',
  title: 'Ingress gateway on ECS: path routing, weighted routers and TLS inside the mesh',
  source: {
    title: '[アップデート] AWS App Meshが「仮想ゲートウェイ」を使ったメッシュ外部からのIngressアクセスをサポートしました',
    author: '青柳 (Aoyagi), Classmethod',
    site: 'DevelopersIO',
    date: '2020-07-15',
    related: [
      INGRESS_SUPPORT_POST,
      {
        title: 'Configuring Ingress Gateway (howto-ingress-gateway)',
        author: 'AWS',
        site: 'aws/aws-app-mesh-examples on GitHub',
        url: 'https://github.com/aws/aws-app-mesh-examples/tree/main/walkthroughs/howto-ingress-gateway',
      },
    ],
  },
  teaches: [
    { en: 'a virtual gateway run by an Envoy task behind a Network Load Balancer, with gateway routes that rewrite the matched prefix to `/`', ja: 'Network Load Balancer の後ろで Envoy のタスクが動かす仮想ゲートウェイと、一致したプレフィックスを `/` に書き換えるゲートウェイルート' },
    { en: 'two virtual routers each splitting 1:1 between two virtual nodes', ja: 'それぞれ 2 つの仮想ノードに 1:1 で振り分ける 2 つの仮想ルーター' },
    { en: 'ECS task facts for App Mesh: the APPMESH proxy configuration, Envoy as UID 1337, the app waiting for a healthy Envoy, Cloud Map DNS', ja: 'App Mesh のための ECS タスクの要点: APPMESH プロキシ設定、UID 1337 で動く Envoy、正常な Envoy を待つアプリ、Cloud Map の DNS' },
    { en: 'TLS between the gateway and the nodes with file-based certificates from a CA of our own, switched on node by node', ja: '自前の CA が発行したファイルベースの証明書による、ゲートウェイとノードの間の TLS（ノードごとに有効にします）' },
  ],
  platform: 'ecs',
  region: 'us-west-2',
  accounts: [{ name: 'main', title: 'your AWS account', exampleId: '111122223333' }],
  clusters: [
    {
      name: 'main',
      title: 'ECS cluster on Fargate',
      clusterName: ENVIRONMENT,
      account: 'main',
      vpcCidr: '10.0.0.0/16',
      resources: [
        mesh(MESH, {}),
        cloudMap,
        ca,
        ...COLORS.flatMap((color) => [
          colorTeller(undefined, `colorteller-${color}`, {
            color,
            port: 9080,
            podLabels: { app: 'colorteller', color },
            extra: { meshIdentity: { virtualNode: `colorteller-${color}-vn` }, ecs: fargate(true) },
          }),
          colorNode(color, false),
        ]),
        ...([
          ['colorteller-vr-1', 'colorteller-route-1', 'colorteller-1', { 'colorteller-white-vn': 1, 'colorteller-blue-vn': 1 }],
          ['colorteller-vr-2', 'colorteller-route-2', 'colorteller-2', { 'colorteller-black-vn': 1, 'colorteller-red-vn': 1 }],
        ] as const).flatMap(([router, route, svc, weights]) => [
          virtualRouter(undefined, router, {
            listeners: [{ portMapping: { port: 9080, protocol: 'http' } }],
            routes: [{ name: route, httpRoute: { match: { prefix: '/tell' }, action: { weightedTargets: weightedTargets(weights) } } }],
          }),
          virtualService(undefined, `${svc}.${DOMAIN}`, { provider: { virtualRouter: { virtualRouterRef: { name: router } } } }),
        ]),
        gateway(false),
        ...([
          ['colorgateway-route-1', '/color1', 'colorteller-1'],
          ['colorgateway-route-2', '/color2', 'colorteller-2'],
        ] as const).map(([name, prefix, svc]) =>
          gatewayRoute(undefined, name, {
            httpRoute: {
              match: { prefix },
              action: { target: { virtualService: { virtualServiceRef: { name: `${svc}.${DOMAIN}` } } } },
            },
          }),
        ),
        gatewayEnvoy(undefined, 'colorgateway', {
          port: 9080,
          podLabels: { app: 'colorgateway' },
          extra: {
            meshIdentity: { virtualGateway: 'colorgateway-vg' },
            proxyEnv: { ENABLE_ENVOY_STATS_TAGS: '1', ENABLE_ENVOY_DOG_STATSD: '1', STATSD_PORT: '8125' },
            sidecars: ['cloudwatch-agent'],
            sidecarEnv: { 'cloudwatch-agent': { CW_CONFIG_CONTENT: cloudWatchAgentConfig(`${ENVIRONMENT}/gateway-envoy/StatsD`) } },
            ecs: fargate(false),
            notes: ['Envoy is the task’s main container (no proxy configuration); an NLB forwards TCP 80 to its 9080.'],
          },
        }),
      ],
    },
  ],
  steps: [
    { name: 'plain', title: 'Plain HTTP', ja: { title: '平文の HTTP', summary: 'メッシュとサービスを作成します。メッシュ内の通信は平文の HTTP です。' }, summary: 'Create the mesh and the services; traffic inside the mesh is plain HTTP.', changes: [] },
    {
      name: 'partial-tls',
      title: 'TLS on the white node only', ja: { title: 'white ノードだけ TLS', summary: 'white ノードのリスナーが自前の CA の証明書で TLS を必須にし、ゲートウェイはすべてのバックエンドについてその CA を信頼します。そのため、平文の HTTP のままのノードはゲートウェイに応答しなくなります。' },
      summary:
        'The white node’s listener requires TLS with its certificate from our CA, and the gateway trusts that CA for every backend, so the nodes still on plain HTTP stop answering the gateway.',
      changes: [
        { op: 'put', resource: colorNode('white', true) },
        { op: 'put', resource: gateway(true) },
      ],
    },
    {
      name: 'full-tls',
      title: 'TLS on every node', ja: { title: 'すべてのノードで TLS', summary: 'blue、black、red のノードも TLS を必須にします。すべての色が、今度は TLS で再び応答します。' },
      summary: 'The blue, black and red nodes require TLS too; every colour answers again, now over TLS.',
      changes: (['blue', 'black', 'red'] as const).map((color) => ({ op: 'put' as const, resource: colorNode(color, true) })),
    },
  ],
  entries: [
    {
      name: 'gateway',
      title: 'the Network Load Balancer in front of the gateway', ja: { title: 'ゲートウェイの前の Network Load Balancer' },
      kind: 'load-balancer',
      service: { name: 'colorgateway' },
      port: 80,
      envVar: 'COLORAPP_ENDPOINT',
    },
    { name: 'gateway-admin', title: 'the gateway Envoy’s admin port', ja: { title: 'ゲートウェイの Envoy の管理ポート' }, kind: 'envoy-admin', workload: { name: 'colorgateway' }, port: 9901 },
  ],
  checks: [
    {
      name: 'color1',
      title: '/color1 reaches colorteller-1: white or blue', ja: { title: '/color1 は colorteller-1 に届く: white か blue' },
      request: { entry: 'gateway', path: '/color1/tell' },
      until: 'plain',
      expect: { kind: 'distribution', samples: 100, outcomes: [{ ...said('white'), weight: 1 }, { ...said('blue'), weight: 1 }] },
      explain: { en: 'The gateway route rewrites /color1 to /, so the router sees /tell and splits it 1:1.', ja: 'ゲートウェイルートが /color1 を / に書き換えるので、ルーターには /tell が届き、1:1 で振り分けます。' },
    },
    {
      name: 'color2',
      title: '/color2 reaches colorteller-2: black or red', ja: { title: '/color2 は colorteller-2 に届く: black か red' },
      request: { entry: 'gateway', path: '/color2/tell' },
      until: 'plain',
      expect: { kind: 'distribution', samples: 100, outcomes: [{ ...said('black'), weight: 1 }, { ...said('red'), weight: 1 }] },
    },
    {
      name: 'color1-partial-tls',
      title: 'With TLS on white only, blue fails', ja: { title: 'white だけ TLS のとき、blue は失敗する' },
      step: 'partial-tls',
      until: 'partial-tls',
      request: { entry: 'gateway', path: '/color1/tell' },
      expect: { kind: 'distribution', samples: 100, outcomes: [{ ...said('white'), weight: 1 }, { ...connectionFailure, weight: 1 }] },
      explain: { en: 'The gateway now opens TLS to every backend; blue still listens in plain HTTP, so the handshake fails.', ja: 'ゲートウェイはすべてのバックエンドに TLS で接続するようになりましたが、blue は平文の HTTP で待ち受けたままなので、ハンドシェイクが失敗します。' },
    },
    {
      name: 'color2-partial-tls',
      title: 'With TLS on white only, black and red fail', ja: { title: 'white だけ TLS のとき、black と red は失敗する' },
      step: 'partial-tls',
      until: 'partial-tls',
      request: { entry: 'gateway', path: '/color2/tell' },
      expect: { kind: 'always', response: connectionFailure },
    },
    {
      name: 'color1-full-tls',
      title: 'With TLS everywhere, /color1 answers white or blue again', ja: { title: 'すべて TLS になると、/color1 は再び white か blue を返す' },
      step: 'full-tls',
      request: { entry: 'gateway', path: '/color1/tell' },
      expect: { kind: 'distribution', samples: 100, outcomes: [{ ...said('white'), weight: 1 }, { ...said('blue'), weight: 1 }] },
    },
    {
      name: 'color2-full-tls',
      title: 'With TLS everywhere, /color2 answers black or red again', ja: { title: 'すべて TLS になると、/color2 は再び black か red を返す' },
      step: 'full-tls',
      request: { entry: 'gateway', path: '/color2/tell' },
      expect: { kind: 'distribution', samples: 100, outcomes: [{ ...said('black'), weight: 1 }, { ...said('red'), weight: 1 }] },
    },
    {
      name: 'gateway-handshakes',
      title: 'The gateway’s stats count TLS handshakes with the nodes', ja: { title: 'ゲートウェイの統計がノードとの TLS ハンドシェイクを数える' },
      step: 'partial-tls',
      request: { entry: 'gateway-admin', path: '/stats' },
      expect: {
        kind: 'always',
        response: { body: { matches: 'cluster\\.\\S*colorteller-white-vn\\S*\\.ssl\\.handshake: [1-9]' }, label: 'a non-zero `ssl.handshake` counter for the white node’s cluster', ja: { label: 'white ノードのクラスターの `ssl.handshake` カウンターが 0 でない' } },
      },
      explain: { en: 'Run it after a few /color1 requests: each new connection from the gateway to the white node is one handshake.', ja: '/color1 へ何度かリクエストしてから実行してください。ゲートウェイから white ノードへの新しい接続 1 つがハンドシェイク 1 回です。' },
    },
  ],
  corrections: [
    {
      original: { en: 'The original README says the `/color1` route targets colorteller-2.', ja: '元の README には、`/color1` のルートは colorteller-2 を向くと書かれています。' },
      correction: { en: 'The mesh scripts wire `/color1` to colorteller-1 (white and blue) and `/color2` to colorteller-2 (black and red); so does this definition.', ja: 'メッシュのスクリプトは `/color1` を colorteller-1（white と blue）に、`/color2` を colorteller-2（black と red）につないでおり、この定義も同じです。' },
    },
    {
      original: { en: 'TLS needed ACM Private CA, so the report deleted every TLS block and never tried it.', ja: 'TLS には ACM Private CA が必要だったため、記事は TLS の設定をすべて削除し、試していませんでした。' },
      correction:
        { en: 'TLS uses file-based certificates (`certificate.file`, `validation.trust.file`) issued by a CA of our own; the two TLS steps are part of the walkthrough.', ja: 'TLS には自前の CA が発行したファイルベースの証明書（`certificate.file`、`validation.trust.file`）を使います。TLS の 2 つのステップもこのウォークスルーに含まれます。' },
    },
    {
      original: { en: 'Envoy’s identity was given with `APPMESH_VIRTUAL_NODE_NAME`.', ja: 'Envoy の ID を `APPMESH_VIRTUAL_NODE_NAME` で渡していました。' },
      correction: { en: 'Current App Mesh Envoy images read `APPMESH_RESOURCE_ARN` (`mesh/<mesh>/virtualNode/<node>` or `…/virtualGateway/<gateway>`).', ja: '現行の App Mesh Envoy イメージは `APPMESH_RESOURCE_ARN`（`mesh/<mesh>/virtualNode/<node>` または `…/virtualGateway/<gateway>`）を読みます。' },
    },
    {
      original: { en: 'The report used a regional, account-specific Envoy image (`840364872350.dkr.ecr.<region>.amazonaws.com/aws-appmesh-envoy:v1.12.4.0-prod`).', ja: '記事はリージョンとアカウントに固有の Envoy イメージ（`840364872350.dkr.ecr.<region>.amazonaws.com/aws-appmesh-envoy:v1.12.4.0-prod`）を使っていました。' },
      correction: { en: 'One current image from the public ECR gallery, set in one place for every rendering.', ja: 'パブリック ECR ギャラリーの現行イメージを 1 つ、すべての生成物に共通の 1 か所で指定しています。' },
    },
  ],
};
