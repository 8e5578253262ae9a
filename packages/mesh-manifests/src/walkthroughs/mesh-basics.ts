/**
 * mesh-basics (EKS): a mesh, two virtual nodes behind a router split 1:1, a virtual service, a
 * client node and a virtual gateway in front, after the three-part blog series cited in `source`.
 * The series ran nginx in both nodes, where a 1:1 split cannot be seen; we run ColorTeller with a
 * colour per node so it can.
 */
import {
  gatewayRoute,
  mesh,
  meshNamespace,
  service,
  virtualGateway,
  virtualNode,
  virtualRouter,
  virtualService,
  weightedTargets,
  workload,
} from '../model/build.js';
import type { GuidedWalkthrough } from '../model/walkthrough.js';
import { colorTeller, envoyPolicy, gatewayBehindNlb, PROXY_SERVICE_ACCOUNT, proxyServiceAccount } from './shared.js';

const NS = 'mesh-test';
const MESH = 'mesh-1';
const SVC_V_FQDN = `svc-v.${NS}.svc.cluster.local`;

/** Pods of both nodes carry `app: colorteller`, so svc-v's selector covers every target of the router. */
const nodes = [
  { vnode: 'vnode-1', service: 'svc-1', color: 'blue' },
  { vnode: 'vnode-2', service: 'svc-2', color: 'green' },
] as const;

const podLabels = (vnode: string) => ({ app: 'colorteller', vnode });

export const meshBasics: GuidedWalkthrough = {
  name: 'mesh-basics',
  title: 'Mesh basics: nodes, a router, a virtual service and a gateway',
  source: {
    title: 'AWS App Mesh をEKSで試してみた: (準備~仮想ノードまで), (仮想ルーター、仮想サービス), (仮想ゲートウェイ)',
    site: 'a Japanese engineering blog, three posts',
    date: '2021-06-03 to 2021-08-27',
    related: [
      {
        title: 'Getting started with AWS App Mesh and Kubernetes',
        author: 'AWS',
        site: 'AWS App Mesh User Guide',
        url: 'https://docs.aws.amazon.com/app-mesh/latest/userguide/getting-started-kubernetes.html',
      },
      { title: 'Virtual gateways', author: 'AWS', site: 'AWS App Mesh User Guide', url: 'https://docs.aws.amazon.com/app-mesh/latest/userguide/virtual_gateways.html' },
    ],
  },
  teaches: [
    { en: 'how a Mesh selects namespaces (`namespaceSelector`) and how injection is switched on per namespace', ja: 'メッシュが名前空間を選ぶしくみ（`namespaceSelector`）と、名前空間ごとにサイドカーの注入を有効にする方法' },
    { en: 'the IAM permission Envoy needs (`appmesh:StreamAggregatedResources`) and the service account that carries it', ja: 'Envoy に必要な IAM 権限（`appmesh:StreamAggregatedResources`）と、それを持たせるサービスアカウント' },
    { en: 'virtual nodes backed by Deployments and Services, a virtual router splitting 1:1, and a virtual service in front of it', ja: 'Deployment と Service を実体とする仮想ノード、1:1 で振り分ける仮想ルーター、その前に置く仮想サービス' },
    { en: 'that only a node which lists the virtual service as a backend, calling its full name, goes through the router', ja: '仮想サービスをバックエンドに登録し、その完全な名前で呼び出すノードだけがルーターを通ること' },
    { en: 'a virtual gateway run by a plain Envoy Deployment behind a Network Load Balancer', ja: 'Network Load Balancer の後ろで、素の Envoy の Deployment が動かす仮想ゲートウェイ' },
  ],
  platform: 'eks',
  region: 'us-west-2',
  accounts: [{ name: 'main', title: 'your AWS account', exampleId: '111122223333' }],
  clusters: [
    {
      name: 'main',
      title: 'EKS cluster',
      clusterName: 'mesh-basics',
      account: 'main',
      resources: [
        mesh(MESH, { egressFilter: { type: 'ALLOW_ALL' }, namespaceSelector: { matchLabels: { mesh: MESH } } }),
        meshNamespace(NS, MESH),
        envoyPolicy('appmesh-proxyauth', MESH),
        proxyServiceAccount(NS, 'mesh-basics-appmesh-proxyauth', ['appmesh-proxyauth']),
        ...nodes.flatMap(({ vnode, service: svc, color }) => [
          colorTeller(NS, `colorteller-${vnode.replace('vnode-', '')}`, { color, port: 80, podLabels: podLabels(vnode) }),
          service(NS, svc, { selector: podLabels(vnode), ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
          virtualNode(NS, vnode, {
            podSelector: { matchLabels: podLabels(vnode) },
            listeners: [{ portMapping: { port: 80, protocol: 'http' } }],
            serviceDiscovery: { dns: { hostname: `${svc}.${NS}.svc.cluster.local` } },
          }),
        ]),
        virtualRouter(NS, 'vrouter-1', {
          listeners: [{ portMapping: { port: 80, protocol: 'http' } }],
          routes: [
            {
              name: 'route-1',
              httpRoute: { match: { prefix: '/' }, action: { weightedTargets: weightedTargets({ 'vnode-1': 1, 'vnode-2': 1 }) } },
            },
          ],
        }),
        service(NS, 'svc-v', { selector: { app: 'colorteller' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
        virtualService(NS, 'svc-v', {
          awsName: SVC_V_FQDN,
          provider: { virtualRouter: { virtualRouterRef: { name: 'vrouter-1' } } },
        }),
        workload(NS, 'client', {
          component: 'curl',
          replicas: 1,
          podLabels: { app: 'client' },
          ports: [],
          command: ['sleep', 'infinity'],
          serviceAccountName: PROXY_SERVICE_ACCOUNT,
          notes: ['A shell to curl from: it serves nothing, it only calls svc-v.'],
        }),
        virtualNode(NS, 'client', {
          podSelector: { matchLabels: { app: 'client' } },
          backends: [{ virtualService: { virtualServiceRef: { name: 'svc-v' } } }],
        }),
        virtualGateway(NS, 'gateway-v', {
          namespaceSelector: { matchLabels: { mesh: MESH } },
          podSelector: { matchLabels: { app: 'gateway-v' } },
          listeners: [{ portMapping: { port: 8088, protocol: 'http' }, connectionPool: { http: { maxConnections: 1024 } } }],
          logging: { accessLog: { file: { path: '/dev/stdout' } } },
        }),
        gatewayRoute(NS, 'gateway-v-route-v', {
          httpRoute: {
            match: { prefix: '/' },
            action: { target: { virtualService: { virtualServiceRef: { name: 'svc-v' } } } },
          },
        }),
        ...gatewayBehindNlb(NS, 'gateway-v', 8088),
      ],
    },
  ],
  steps: [{ name: 'mesh', title: 'Create the mesh', ja: { title: 'メッシュを作成する', summary: 'メッシュ、名前空間、ノード、ルーター、サービス、クライアント、ゲートウェイをすべて適用します。' }, summary: 'Apply everything: mesh, namespace, nodes, router, service, client and gateway.', changes: [] }],
  entries: [
    {
      name: 'gateway',
      title: 'the gateway’s Network Load Balancer', ja: { title: 'ゲートウェイの Network Load Balancer' },
      kind: 'load-balancer',
      service: { name: 'gateway-v', namespace: NS },
      port: 80,
      envVar: 'GW_ENDPOINT',
    },
    { name: 'client', title: 'a shell in the client pod', ja: { title: 'client Pod の中のシェル' }, kind: 'exec', workload: { name: 'client', namespace: NS } },
  ],
  checks: [
    {
      name: 'gateway-split',
      title: 'Requests through the gateway split between the two nodes', ja: { title: 'ゲートウェイを通したリクエストが 2 つのノードに振り分けられる' },
      request: { entry: 'gateway', path: '/' },
      expect: {
        kind: 'distribution',
        samples: 100,
        outcomes: [
          { weight: 1, body: { equals: 'blue' }, label: 'blue (vnode-1)', ja: { label: 'blue (vnode-1)' } },
          { weight: 1, body: { equals: 'green' }, label: 'green (vnode-2)', ja: { label: 'green (vnode-2)' } },
        ],
      },
      explain: { en: 'gateway-v-route-v sends everything to svc-v, whose router route-1 weighs vnode-1 and vnode-2 1:1.', ja: 'gateway-v-route-v はすべてを svc-v に送り、svc-v の仮想ルーターの route-1 が vnode-1 と vnode-2 に 1:1 の重みで振り分けます。' },
    },
    {
      name: 'client-full-name',
      title: 'The client calling the virtual service by its full name goes through the router', ja: { title: 'クライアントが仮想サービスを完全な名前で呼ぶと、ルーターを通る' },
      request: { entry: 'client', path: `http://${SVC_V_FQDN}/` },
      expect: {
        kind: 'distribution',
        samples: 100,
        outcomes: [
          { weight: 1, body: { equals: 'blue' }, label: 'blue (vnode-1)', ja: { label: 'blue (vnode-1)' } },
          { weight: 1, body: { equals: 'green' }, label: 'green (vnode-2)', ja: { label: 'green (vnode-2)' } },
        ],
      },
      explain: { en: 'The client node lists svc-v as a backend, and its Envoy knows svc-v by its awsName, the full name.', ja: 'client ノードは svc-v をバックエンドに登録しており、その Envoy は svc-v を awsName（完全な名前）で認識しています。' },
    },
    {
      name: 'client-short-name',
      title: 'Calling svc-v by its short name bypasses the router', ja: { title: 'svc-v を短い名前で呼ぶと、ルーターを迂回する' },
      request: { entry: 'client', path: 'http://svc-v/' },
      expect: {
        kind: 'oneOf',
        responses: [
          { body: { equals: 'blue' }, label: 'blue', ja: { label: 'blue' } },
          { body: { equals: 'green' }, label: 'green', ja: { label: 'green' } },
        ],
      },
      explain:
        { en: 'The Host `svc-v` matches no virtual service, so Envoy passes the request through (egressFilter ALLOW_ALL) to the Kubernetes Service svc-v: the answers still vary, but route-1’s weights, retries and stats play no part.', ja: 'Host `svc-v` はどの仮想サービスにも一致しないので、Envoy はリクエストを Kubernetes の Service svc-v へそのまま通します（egressFilter ALLOW_ALL）。応答は同じようにばらつきますが、route-1 の重み、リトライ、統計はどれも関係しません。' },
    },
  ],
  corrections: [
    {
      original: { en: 'The Mesh selected namespaces labelled `mesh: sitateru-mesh` while the namespace was labelled `mesh: mesh-1`.', ja: 'メッシュは `mesh: sitateru-mesh` のラベルが付いた名前空間を選んでいたのに、名前空間のラベルは `mesh: mesh-1` でした。' },
      correction: { en: 'The Mesh’s `namespaceSelector` is `mesh: mesh-1`, the label the namespace carries; otherwise the controller refuses every object in it.', ja: 'メッシュの `namespaceSelector` を名前空間が持つラベル `mesh: mesh-1` にしています。一致しないと、コントローラーはその名前空間のオブジェクトをすべて拒否します。' },
    },
    {
      original: { en: 'The pods of vnode-1 were labelled `app: sample0` while the Service svc-v that fronts both nodes selected `app: sample1`.', ja: 'vnode-1 の Pod のラベルは `app: sample0` なのに、両方のノードを束ねる Service svc-v は `app: sample1` を選んでいました。' },
      correction: { en: 'Both nodes’ pods carry `app: colorteller`, which svc-v selects; each node’s own Service and podSelector add `vnode: vnode-1|2`.', ja: '両方のノードの Pod が svc-v の選ぶ `app: colorteller` を持ち、ノードごとの Service と podSelector は `vnode: vnode-1|2` を加えます。' },
    },
    {
      original: { en: 'The VirtualService has to share its name with the Service, a fact found by trial.', ja: 'VirtualService は Service と同じ名前でなければならないことが、試行錯誤の末にわかりました。' },
      correction: { en: 'Both are named `svc-v`, and the VirtualService’s `awsName` is set to the full name clients call, `svc-v.mesh-test.svc.cluster.local`.', ja: 'どちらも `svc-v` という名前にし、VirtualService の `awsName` にはクライアントが呼ぶ完全な名前 `svc-v.mesh-test.svc.cluster.local` を設定しています。' },
    },
    {
      original: { en: '`curl svc-v` from a pod seemed to work, but it reached the Service directly, bypassing the router.', ja: 'Pod から `curl svc-v` すると動いたように見えましたが、ルーターを迂回して Service に直接届いていました。' },
      correction: { en: 'Clients call the full name; the guide shows both calls and why only one goes through `vrouter-1`.', ja: 'クライアントは完全な名前で呼びます。ガイドでは両方の呼び方を示し、なぜ片方だけが `vrouter-1` を通るのかを説明します。' },
    },
    {
      original:
        { en: 'The gateway Deployment hand-wrote `APPMESH_RESOURCE_ARN` with an account ID and region, and its image name was misspelt (`aws-apmesh-envoy:v1.19.0.0-prod`).', ja: 'ゲートウェイの Deployment に `APPMESH_RESOURCE_ARN` をアカウント ID とリージョン入りで手書きしており、イメージ名も綴りを誤っていました（`aws-apmesh-envoy:v1.19.0.0-prod`）。' },
      correction:
        { en: 'The injector fills in the gateway’s identity from the VirtualGateway’s podSelector, so no ARN is written by hand; the image is the current App Mesh Envoy image.', ja: 'ゲートウェイの ID はインジェクターが VirtualGateway の podSelector から埋めるので、ARN を手で書くことはありません。イメージは現行の App Mesh Envoy イメージです。' },
    },
    {
      original: { en: 'Containers ran as root with no securityContext and a 10Mi memory limit.', ja: 'コンテナは securityContext なしの root で動き、メモリ上限は 10Mi でした。' },
      correction: { en: 'Every container runs as a non-root user with a read-only root filesystem, no capabilities and a seccomp profile, with requests and limits sized for the app.', ja: 'すべてのコンテナを root 以外のユーザー、読み取り専用のルートファイルシステム、ケーパビリティなし、seccomp プロファイル付きで動かし、リクエストと上限はアプリに合わせています。' },
    },
  ],
};
