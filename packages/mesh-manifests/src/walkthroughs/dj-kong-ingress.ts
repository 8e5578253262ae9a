/**
 * dj-kong-ingress (EKS, after the AWS and Kong blog post cited in `source`): the DJ app meshed,
 * a 95:5 canary of jazz and metal v2, then Kong as the mesh's ingress with a rate limit and API
 * keys. Kong is itself a virtual node whose
 * backends are the two virtual services; its ingress controller runs as UID 1337 so Envoy's egress
 * capture lets it reach the Kubernetes API server.
 */
import type { ServiceAccountRole } from '../model/aws.js';
import type { VirtualRouter } from '../model/appmesh.js';
import {
  mesh,
  meshNamespace,
  pingHealthCheck,
  service,
  virtualNode,
  virtualRouter,
  virtualService,
  weightedTargets,
  workload,
} from '../model/build.js';
import type { BodyMatch } from '../model/checks.js';
import type { Ingress, KongConsumer, KongPlugin, Secret, Service } from '../model/kubernetes.js';
import { K8S, KONG_API_VERSION } from '../model/kubernetes.js';
import type { GuidedResponse, GuidedWalkthrough, Resource } from '../model/walkthrough.js';
import type { Localized } from '../model/text.js';
import { envoyPolicy, JAZZ_V1, JAZZ_V2, METAL_V1, METAL_V2, PROXY_SERVICE_ACCOUNT, proxyServiceAccount } from './shared.js';

const NS = 'prod';
const KONG_NS = 'kong';
const MESH = 'dj-app';
const PORT = 9080;
const GENRES = ['jazz', 'metal'] as const;
type Genre = (typeof GENRES)[number];
const fqdn = (genre: Genre) => `${genre}.${NS}.svc.cluster.local`;

function musicVersion(genre: Genre, version: 'v1' | 'v2'): Resource[] {
  const name = `${genre}-${version}`;
  const labels = { app: genre, version };
  return [
    workload(NS, name, {
      component: 'music',
      replicas: 1,
      podLabels: labels,
      ports: [{ name: 'http', port: PORT }],
      env: { GENRE: genre, VERSION: version, PORT: String(PORT) },
      probe: { path: '/ping', port: PORT },
      serviceAccountName: PROXY_SERVICE_ACCOUNT,
    }),
    service(NS, name, { selector: labels, ports: [{ name: 'http', port: PORT, targetPort: 'http' }] }),
    virtualNode(NS, name, {
      podSelector: { matchLabels: labels },
      listeners: [{ portMapping: { port: PORT, protocol: 'http' }, healthCheck: pingHealthCheck() }],
      serviceDiscovery: { dns: { hostname: `${name}.${NS}.svc.cluster.local` } },
    }),
  ];
}

function router(genre: Genre, weights: Record<string, number>): VirtualRouter {
  return virtualRouter(NS, `${genre}-router`, {
    listeners: [{ portMapping: { port: PORT, protocol: 'http' } }],
    routes: [{ name: `${genre}-route`, httpRoute: { match: { prefix: '/' }, action: { weightedTargets: weightedTargets(weights) } } }],
  });
}

/**
 * The Services that give `jazz`/`metal` a DNS name. Once Kong routes to them, Kong must send to the
 * Service (not its endpoints: it has none) with the virtual service's name as Host, so Envoy routes it.
 */
function placeholderService(genre: Genre, forKong: boolean): Service {
  return service(NS, genre, {
    ports: [{ name: 'http', port: PORT, targetPort: PORT }],
    ...(forKong ? { annotations: { [K8S.kongHostHeader]: fqdn(genre), [K8S.kongServiceUpstream]: 'true' } } : {}),
  });
}

function djIngress(plugins: string[]): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'djingress',
      namespace: NS,
      annotations: {
        [K8S.kongStripPath]: 'true',
        [K8S.kongPreserveHost]: 'false',
        ...(plugins.length ? { [K8S.kongPlugins]: plugins.join(', ') } : {}),
      },
    },
    spec: {
      ingressClassName: 'kong',
      rules: [
        {
          http: {
            paths: GENRES.map((genre) => ({
              path: `/dj/${genre}`,
              pathType: 'Prefix' as const,
              backend: { service: { name: genre, port: { number: PORT } } },
            })),
          },
        },
      ],
    },
  };
}

const rateLimit: KongPlugin = {
  apiVersion: KONG_API_VERSION,
  kind: 'KongPlugin',
  metadata: { name: 'rl-by-minute', namespace: NS },
  plugin: 'rate-limiting',
  config: { minute: 3, policy: 'local' },
};
const apiKey: KongPlugin = { apiVersion: KONG_API_VERSION, kind: 'KongPlugin', metadata: { name: 'apikey', namespace: NS }, plugin: 'key-auth' };
const consumerKey: Secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'consumerapikey', namespace: NS, labels: { [K8S.kongCredential]: 'key-auth' } },
  stringData: { key: 'kong-secret' },
};
const consumer: KongConsumer = {
  apiVersion: KONG_API_VERSION,
  kind: 'KongConsumer',
  metadata: { name: 'consumer1', namespace: NS, annotations: { [K8S.ingressClass]: 'kong' } },
  username: 'consumer1',
  credentials: ['consumerapikey'],
};

const kongAccount: ServiceAccountRole = {
  kind: 'ServiceAccountRole',
  metadata: { name: 'kong', namespace: KONG_NS },
  spec: { roleName: 'dj-kong-ingress-kong-proxyauth', policies: ['appmesh-proxyauth'] },
};

const list = (items: string[], label: Localized, status?: number): GuidedResponse => ({
  ...(status ? { status } : {}),
  body: { json: items },
  label: label.en,
  ja: { label: label.ja },
});
/** Either version's list, compared as JSON. */
const anyVersionOf = (v1: string[], v2: string[]): BodyMatch => ({ anyOf: [{ json: v1 }, { json: v2 }] });

const canary = (genre: Genre) => {
  const [v1, v2] = genre === 'jazz' ? [JAZZ_V1, JAZZ_V2] : [METAL_V1, METAL_V2];
  return [
    { ...list(v1, { en: `the v1 ${genre} list`, ja: `v1 の ${genre} のリスト` }), weight: 95 },
    { ...list(v2, { en: `the v2 ${genre} list (with birthplaces)`, ja: `v2 の ${genre} のリスト（出身地付き）` }), weight: 5 },
  ];
};

export const djKongIngress: GuidedWalkthrough = {
  name: 'dj-kong-ingress',
  title: 'The DJ app: a 95:5 canary, and Kong as the mesh’s ingress',
  source: {
    title: 'Running microservices in Amazon EKS with AWS App Mesh and Kong',
    author: 'Mikhail Shapirov (AWS), with Claudio Acquaviva and Morgan Davies (Kong)',
    site: 'AWS Containers Blog',
    date: '2020-12-03',
    url: 'https://aws.amazon.com/blogs/containers/running-microservices-in-amazon-eks-with-aws-app-mesh-and-kong/',
    related: [
      {
        title: 'AWS App Mesh と Kong を使って Amazon EKS 上でマイクロサービスを実行する',
        author: 'Japanese translation by 黄 光川 (AWS)',
        site: 'Amazon Web Services ブログ',
        url: 'https://aws.amazon.com/jp/blogs/news/running-microservices-in-amazon-eks-with-aws-app-mesh-and-kong-jp/',
      },
      {
        title: 'The DJ app (examples/apps/djapp)',
        author: 'AWS',
        site: 'aws/aws-app-mesh-examples on GitHub',
        url: 'https://github.com/aws/aws-app-mesh-examples/tree/main/examples/apps/djapp',
      },
    ],
  },
  teaches: [
    { en: 'virtual services backed by routers, and a canary that sends 5% of requests to v2 without touching the callers', ja: '仮想ルーターを背後に持つ仮想サービスと、呼び出し側に手を入れずにリクエストの 5% を v2 に送るカナリア' },
    { en: 'why services inside the mesh are called by their full names (`jazz.prod.svc.cluster.local`)', ja: 'メッシュ内のサービスを完全な名前（`jazz.prod.svc.cluster.local`）で呼ぶ理由' },
    { en: 'an ingress controller inside the mesh: Kong as a virtual node with the virtual services as its backends', ja: 'メッシュの中の Ingress コントローラー: 仮想サービスをバックエンドに持つ仮想ノードとしての Kong' },
    { en: 'how a container running as UID 1337 escapes Envoy’s egress capture (Kong’s controller must reach the API server)', ja: 'UID 1337 で動くコンテナが Envoy による送信トラフィックのキャプチャを回避するしくみ（Kong のコントローラーは API サーバーと通信する必要があります）' },
    { en: 'API management at the edge: strip path, upstream Host, rate limiting, API keys', ja: 'エッジでの API 管理: パスの除去、上流の Host、レート制限、API キー' },
  ],
  platform: 'eks',
  region: 'us-west-2',
  accounts: [{ name: 'main', title: 'your AWS account', exampleId: '111122223333' }],
  clusters: [
    {
      name: 'main',
      title: 'EKS cluster',
      clusterName: 'dj-app',
      account: 'main',
      resources: [
        mesh(MESH, { egressFilter: { type: 'DROP_ALL' }, namespaceSelector: { matchLabels: { mesh: MESH } } }),
        meshNamespace(NS, MESH),
        envoyPolicy('appmesh-proxyauth', MESH),
        proxyServiceAccount(NS, 'dj-kong-ingress-prod-proxyauth', ['appmesh-proxyauth']),
        workload(NS, 'dj', {
          component: 'dj',
          replicas: 1,
          podLabels: { app: 'dj', version: 'v1' },
          ports: [{ name: 'http', port: PORT }],
          env: { PORT: String(PORT), JAZZ_URL: `http://${fqdn('jazz')}:${PORT}/`, METAL_URL: `http://${fqdn('metal')}:${PORT}/` },
          probe: { path: '/ping', port: PORT },
          serviceAccountName: PROXY_SERVICE_ACCOUNT,
          notes: ['Calls jazz and metal by their full names (JAZZ_URL, METAL_URL): the names of the virtual services.'],
        }),
        service(NS, 'dj', { selector: { app: 'dj' }, ports: [{ name: 'http', port: PORT, targetPort: 'http' }] }),
        virtualNode(NS, 'dj', {
          podSelector: { matchLabels: { app: 'dj' } },
          listeners: [{ portMapping: { port: PORT, protocol: 'http' }, healthCheck: pingHealthCheck() }],
          backends: GENRES.map((genre) => ({ virtualService: { virtualServiceRef: { name: genre } } })),
          serviceDiscovery: { dns: { hostname: `dj.${NS}.svc.cluster.local` } },
        }),
        ...GENRES.flatMap((genre) => [
          ...musicVersion(genre, 'v1'),
          router(genre, { [`${genre}-v1`]: 100 }),
          virtualService(NS, genre, {
            awsName: fqdn(genre),
            provider: { virtualRouter: { virtualRouterRef: { name: `${genre}-router` } } },
          }),
          placeholderService(genre, false),
        ]),
      ],
    },
  ],
  steps: [
    {
      name: 'v1-only',
      title: 'The DJ app in the mesh, v1 only', ja: { title: 'メッシュの中の DJ アプリ（v1 のみ）', summary: 'jazz と metal は仮想サービスで、その仮想ルーターはすべてを v1 に送ります。' },
      summary: 'jazz and metal are virtual services whose routers send everything to v1.',
      changes: [],
    },
    {
      name: 'canary',
      title: 'Canary: 5% to v2', ja: { title: 'カナリア: 5% を v2 へ', summary: 'jazz-v2 と metal-v2 をデプロイし、仮想ルーターの重みを 95:5 にします。呼び出し側は変わりません。' },
      summary: 'Deploy jazz-v2 and metal-v2 and weigh the routers 95:5; callers are unchanged.',
      changes: GENRES.flatMap((genre) => [
        ...musicVersion(genre, 'v2').map((resource) => ({ op: 'put' as const, resource })),
        { op: 'put' as const, resource: router(genre, { [`${genre}-v1`]: 95, [`${genre}-v2`]: 5 }) },
      ]),
    },
    {
      name: 'kong-ingress',
      title: 'Kong as the ingress, inside the mesh', ja: { title: 'メッシュの中の Ingress としての Kong', summary: 'Kong は仮想ノード `kong`（バックエンドは jazz と metal）としてメッシュに加わります。Ingress `djingress` が /dj/jazz と /dj/metal を公開し、パスを取り除いて仮想サービスの名前を Host として送ります。' },
      summary:
        'Kong joins the mesh as virtual node `kong` (backends jazz and metal); the Ingress `djingress` exposes /dj/jazz and /dj/metal, stripping the path and sending the virtual service’s name as Host.',
      changes: [
        meshNamespace(KONG_NS, MESH),
        kongAccount,
        workload(KONG_NS, 'kong', {
          component: 'kong',
          replicas: 1,
          podLabels: { 'app.kubernetes.io/name': 'kong', 'app.kubernetes.io/instance': 'kong' },
          ports: [{ name: 'proxy', port: 80 }],
          serviceAccountName: 'kong',
          kongIngressControllerUid: 1337,
          notes: [
            'Two containers: the Kong proxy (DB-less, proxy on port 80) and its ingress controller.',
            'The ingress controller runs as UID 1337: Envoy’s iptables rules leave that UID’s traffic alone, so it reaches the Kubernetes API server despite egressFilter DROP_ALL.',
          ],
        }),
        service(KONG_NS, 'kong-proxy', {
          type: 'LoadBalancer',
          nlb: true,
          selector: { 'app.kubernetes.io/instance': 'kong' },
          ports: [{ name: 'http', port: 80, targetPort: 'proxy' }],
        }),
        virtualNode(KONG_NS, 'kong', {
          podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'kong' } },
          listeners: [{ portMapping: { port: 80, protocol: 'http' } }],
          backends: GENRES.map((genre) => ({ virtualService: { virtualServiceRef: { name: genre, namespace: NS } } })),
          serviceDiscovery: { dns: { hostname: `kong-proxy.${KONG_NS}.svc.cluster.local` } },
        }),
        ...GENRES.map((genre) => placeholderService(genre, true)),
        djIngress([]),
      ].map((resource) => ({ op: 'put' as const, resource })),
    },
    {
      name: 'rate-limit',
      title: 'Rate limit: 3 requests a minute', ja: { title: 'レート制限: 1 分に 3 リクエスト', summary: 'Ingress に KongPlugin `rl-by-minute`（rate-limiting、minute 3、policy local）を付けます。' },
      summary: 'KongPlugin `rl-by-minute` (rate-limiting, minute 3, policy local) on the Ingress.',
      changes: [rateLimit, djIngress(['rl-by-minute'])].map((resource) => ({ op: 'put' as const, resource })),
    },
    {
      name: 'key-auth',
      title: 'API keys', ja: { title: 'API キー', summary: 'Ingress に KongPlugin `apikey`（key-auth）を付け、キー `kong-secret` を持つコンシューマー `consumer1` を作ります。' },
      summary: 'KongPlugin `apikey` (key-auth) on the Ingress, and consumer `consumer1` with the key `kong-secret`.',
      changes: [apiKey, consumerKey, consumer, djIngress(['apikey', 'rl-by-minute'])].map((resource) => ({ op: 'put' as const, resource })),
    },
  ],
  entries: [
    { name: 'dj', title: 'a shell in the dj pod', ja: { title: 'dj Pod の中のシェル' }, kind: 'exec', workload: { name: 'dj', namespace: NS } },
    {
      name: 'kong',
      title: 'Kong’s proxy load balancer', ja: { title: 'Kong のプロキシのロードバランサー' },
      kind: 'load-balancer',
      service: { name: 'kong-proxy', namespace: KONG_NS },
      port: 80,
      envVar: 'KONG_ENDPOINT',
    },
  ],
  checks: [
    {
      name: 'dj-calls-jazz',
      title: 'dj reaches jazz through the mesh', ja: { title: 'dj はメッシュを通って jazz に届く' },
      until: 'v1-only',
      request: { entry: 'dj', path: `http://${fqdn('jazz')}:${PORT}/` },
      expect: { kind: 'always', response: list(JAZZ_V1, { en: 'the v1 jazz list', ja: 'v1 の jazz のリスト' }) },
    },
    {
      name: 'dj-calls-metal',
      title: 'dj reaches metal through the mesh', ja: { title: 'dj はメッシュを通って metal に届く' },
      until: 'v1-only',
      request: { entry: 'dj', path: `http://${fqdn('metal')}:${PORT}/` },
      expect: { kind: 'always', response: list(METAL_V1, { en: 'the v1 metal list', ja: 'v1 の metal のリスト' }) },
    },
    {
      name: 'dj-canary-jazz',
      title: 'About 5% of jazz answers come from v2', ja: { title: 'jazz の応答の約 5% は v2 から返る' },
      step: 'canary',
      request: { entry: 'dj', path: `http://${fqdn('jazz')}:${PORT}/` },
      expect: { kind: 'distribution', samples: 400, outcomes: canary('jazz') },
    },
    {
      name: 'kong-jazz',
      title: 'Through Kong, /dj/jazz answers the jazz list, about 5% v2', ja: { title: 'Kong 経由の /dj/jazz は jazz のリストを返し、約 5% が v2' },
      step: 'kong-ingress',
      until: 'kong-ingress',
      request: { entry: 'kong', path: '/dj/jazz' },
      expect: { kind: 'distribution', samples: 400, outcomes: canary('jazz') },
      explain: { en: 'Kong strips /dj/jazz, sends Host jazz.prod.svc.cluster.local, and its Envoy applies jazz-router’s 95:5.', ja: 'Kong は /dj/jazz を取り除いて Host jazz.prod.svc.cluster.local を送り、Kong の Envoy が jazz-router の 95:5 を適用します。' },
    },
    {
      name: 'kong-metal',
      title: 'Through Kong, /dj/metal answers the metal list, about 5% v2', ja: { title: 'Kong 経由の /dj/metal は metal のリストを返し、約 5% が v2' },
      step: 'kong-ingress',
      until: 'kong-ingress',
      request: { entry: 'kong', path: '/dj/metal' },
      expect: { kind: 'distribution', samples: 400, outcomes: canary('metal') },
    },
    {
      name: 'rate-limited',
      title: 'The 4th request in a minute is refused', ja: { title: '1 分以内の 4 回目のリクエストは拒否される' },
      step: 'rate-limit',
      until: 'rate-limit',
      request: { entry: 'kong', path: '/dj/jazz' },
      expect: {
        kind: 'sequence',
        responses: [
          ...[1, 2, 3].map(() => ({ body: anyVersionOf(JAZZ_V1, JAZZ_V2), label: 'a jazz list', ja: { label: 'jazz のリスト' } })),
          { status: 429, body: { json: { message: 'API rate limit exceeded' } }, label: 'HTTP 429', ja: { label: 'HTTP 429' } },
        ],
      },
    },
    {
      name: 'key-required',
      title: 'Without an API key Kong answers 401', ja: { title: 'API キーがなければ Kong は 401 を返す' },
      step: 'key-auth',
      request: { entry: 'kong', path: '/dj/jazz' },
      expect: {
        kind: 'always',
        response: { status: 401, body: { json: { message: 'No API key found in request' } }, label: 'HTTP 401', ja: { label: 'HTTP 401' } },
      },
    },
    {
      name: 'key-accepted',
      title: 'With the key, the list comes back', ja: { title: 'キーがあればリストが返る' },
      step: 'key-auth',
      request: { entry: 'kong', path: '/dj/jazz', headers: { apikey: 'kong-secret' } },
      expect: { kind: 'always', response: { body: anyVersionOf(JAZZ_V1, JAZZ_V2), label: 'a jazz list (v1, or v2 about 5% of the time)', ja: { label: 'jazz のリスト（v1、約 5% の割合で v2）' } } },
      explain: { en: 'Still at most 3 requests a minute: the rate limit stays on.', ja: 'レート制限は有効なままなので、1 分に 3 リクエストまでです。' },
    },
  ],
  corrections: [
    {
      original: { en: 'The Ingress used `extensions/v1beta1` (removed in Kubernetes 1.22) with `serviceName`/`servicePort` and the `kubernetes.io/ingress.class` annotation.', ja: 'Ingress は `extensions/v1beta1`（Kubernetes 1.22 で削除）で、`serviceName`/`servicePort` と `kubernetes.io/ingress.class` アノテーションを使っていました。' },
      correction: { en: 'A `networking.k8s.io/v1` Ingress with `ingressClassName: kong` and `pathType: Prefix` backends.', ja: '`ingressClassName: kong` と `pathType: Prefix` のバックエンドを持つ `networking.k8s.io/v1` の Ingress にしています。' },
    },
    {
      original: { en: 'Host handling used KongIngress objects (`do-not-preserve-host`, `fqdn-jazz`) referenced through `konghq.com/override`.', ja: 'Host の扱いは、`konghq.com/override` で参照する KongIngress オブジェクト（`do-not-preserve-host`、`fqdn-jazz`）で行っていました。' },
      correction:
        { en: 'Kong deprecated KongIngress; the same behaviour is the Ingress annotation `konghq.com/preserve-host: "false"` and the Service annotation `konghq.com/host-header: jazz.prod.svc.cluster.local`.', ja: 'KongIngress は Kong で非推奨になりました。同じ動作は Ingress のアノテーション `konghq.com/preserve-host: "false"` と Service のアノテーション `konghq.com/host-header: jazz.prod.svc.cluster.local` で表します。' },
    },
    {
      original: { en: 'The key was created with `kubectl create secret generic … --from-literal=kongCredType=key-auth`.', ja: 'キーは `kubectl create secret generic … --from-literal=kongCredType=key-auth` で作っていました。' },
      correction: { en: 'Current Kong reads the credential type from the Secret’s label `konghq.com/credential: key-auth`.', ja: '現在の Kong は認証情報の種類を Secret のラベル `konghq.com/credential: key-auth` から読みます。' },
    },
    {
      original: { en: 'Kong was installed with a 2020 Helm chart and patched afterwards with `kubectl patch` to run its controller as UID 1337.', ja: 'Kong は 2020 年の Helm チャートで入れ、あとから `kubectl patch` でコントローラーを UID 1337 で動かすようにしていました。' },
      correction: { en: 'Kong’s Deployment is rendered with the controller’s `runAsUser: 1337` from the start, next to its RBAC and IngressClass.', ja: 'Kong の Deployment は最初からコントローラーの `runAsUser: 1337` 付きで、RBAC と IngressClass と一緒に生成します。' },
    },
    {
      original: { en: 'Calling a service by its short name (`curl jazz:9080`) fails through the sidecar, which the blog works around.', ja: 'サービスを短い名前で呼ぶ（`curl jazz:9080`）とサイドカー経由では失敗し、ブログはそれを回避策でしのいでいました。' },
      correction: { en: 'Every caller uses the virtual service’s full name, `jazz.prod.svc.cluster.local`; Kong sends it as Host.', ja: '呼び出し側はすべて仮想サービスの完全な名前 `jazz.prod.svc.cluster.local` を使い、Kong はそれを Host として送ります。' },
    },
  ],
};
