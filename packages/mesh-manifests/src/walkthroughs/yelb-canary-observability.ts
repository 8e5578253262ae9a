/**
 * yelb-canary-observability (after the App Mesh seminar deck cited in `source`): Yelb's
 * appserver v2 released as a 2:1 canary behind a router with retries and a per-request timeout,
 * and every proxy observable: access logs on stdout, StatsD metrics to a CloudWatch agent, traces
 * to an X-Ray daemon.
 */
import type { VirtualRouter } from '../model/appmesh.js';
import { mesh, meshNamespace, ms, seconds, service, virtualNode, virtualRouter, virtualService, weightedTargets, workload } from '../model/build.js';
import type { BodyMatch } from '../model/checks.js';
import { cloudWatchAgentConfig } from '../model/components.js';
import type { GuidedWalkthrough, Resource } from '../model/walkthrough.js';
import type { WorkloadSpec } from '../model/workload.js';
import { envoyPolicy, PROXY_SERVICE_ACCOUNT, proxyServiceAccount } from './shared.js';
import { yelbChecks, yelbDatabase, yelbRedis, yelbUi } from './yelb.js';

const NS = 'yelb';
const MESH = 'yelb';
const fqdn = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;
const APPSERVER = fqdn('yelb-appserver', NS);

const accessLog = { accessLog: { file: { path: '/dev/stdout' } } };

/** Every meshed workload: Envoy sends DogStatsD to a CloudWatch agent (one per node on EKS) and traces to the X-Ray daemon beside it. */
const observability: Partial<WorkloadSpec> = {
  proxyEnv: {
    ENABLE_ENVOY_XRAY_TRACING: '1',
    XRAY_DAEMON_PORT: '2000',
    ENABLE_ENVOY_DOG_STATSD: '1',
    STATSD_PORT: '8125',
    ENABLE_ENVOY_STATS_TAGS: '1',
  },
  sidecars: ['xray-daemon', 'cloudwatch-agent'],
  sidecarEnv: { 'cloudwatch-agent': { CW_CONFIG_CONTENT: cloudWatchAgentConfig('yelb/envoy/StatsD') } },
};

function appserver(version: 'v1' | 'v2'): Resource[] {
  const name = `yelb-appserver-${version}`;
  const labels = { app: 'yelb-appserver', tier: 'middletier', version };
  return [
    workload(NS, name, {
      component: 'yelb-appserver',
      replicas: 1,
      podLabels: labels,
      ports: [{ name: 'http', port: 4567 }],
      env: { RACK_ENV: 'production', ...(version === 'v2' ? { APP_VERSION: 'v2' } : {}) },
      probe: { path: '/ping', port: 4567 },
      serviceAccountName: PROXY_SERVICE_ACCOUNT,
      ...observability,
      ...(version === 'v2' ? { notes: ['APP_VERSION=v2: /api/hostname answers ApplicationVersion2, so the UI shows which version served it.'] } : {}),
    }),
    // Each version gets its own Service so its virtual node's DNS name resolves to its pods only.
    service(NS, name, { selector: { app: 'yelb-appserver', version }, ports: [{ name: 'http', port: 4567, targetPort: 'http' }] }),
    virtualNode(NS, name, {
      podSelector: { matchLabels: { app: 'yelb-appserver', version } },
      listeners: [{ portMapping: { port: 4567, protocol: 'http' } }],
      serviceDiscovery: { dns: { hostname: fqdn(name, NS) } },
      backends: ['yelb-db', 'redis-server'].map((backend) => ({ virtualService: { virtualServiceRef: { name: backend } } })),
      logging: accessLog,
    }),
  ];
}

function router(weights: Record<string, number>): VirtualRouter {
  return virtualRouter(NS, 'yelb-appserver', {
    listeners: [{ portMapping: { port: 4567, protocol: 'http' } }],
    routes: [
      {
        name: 'route-to-yelb-appserver',
        httpRoute: {
          match: { prefix: '/' },
          action: { weightedTargets: weightedTargets(weights) },
          retryPolicy: {
            maxRetries: 2,
            perRetryTimeout: ms(2000),
            httpRetryEvents: ['server-error', 'gateway-error'],
            tcpRetryEvents: ['connection-error'],
          },
          timeout: { perRequest: seconds(10) },
        },
      },
    ],
  });
}

const V2: BodyMatch = { equals: 'ApplicationVersion2' };

export const yelbCanaryObservability: GuidedWalkthrough = {
  name: 'yelb-canary-observability',
  title: 'Yelb: a 2:1 canary of the appserver, with logs, metrics and traces',
  source: {
    title: '[AWS Black Belt Online Seminar] AWS App Mesh',
    author: '林 政利 (Masatoshi Hayashi), AWS Japan',
    site: 'AWS Black Belt Online Seminar, slides on SlideShare',
    date: '2020-07-21',
    url: 'https://www.slideshare.net/AmazonWebServicesJapan/20200721-aws-black-belt-online-seminar-aws-app-mesh',
    related: [
      {
        title: 'eks-getting-started (Yelb, with the appserver v2 that answers `ApplicationVersion2`)',
        author: 'AWS',
        site: 'aws/aws-app-mesh-examples on GitHub',
        url: 'https://github.com/aws/aws-app-mesh-examples/tree/main/walkthroughs/eks-getting-started',
      },
      { title: 'Yelb', author: 'Massimo Re Ferrè', site: 'mreferre/yelb on GitHub', url: 'https://github.com/mreferre/yelb' },
    ],
  },
  teaches: [
    { en: 'a canary release with weighted targets (2:1 is 66.7% / 33.3%), then promotion', ja: '重み付きターゲットによるカナリアリリース（2:1 は 66.7% / 33.3%）と、その後の昇格' },
    { en: 'a retry policy and a per-request timeout on a route', ja: 'ルートのリトライポリシーとリクエストごとのタイムアウト' },
    { en: 'Envoy access logs on /dev/stdout, StatsD metrics to a CloudWatch agent on each node, traces to an X-Ray daemon sidecar', ja: '/dev/stdout への Envoy のアクセスログ、各ノードの CloudWatch エージェントへの StatsD メトリクス、X-Ray デーモンのサイドカーへのトレース' },
    { en: 'reading a proxy’s own counters on its admin port', ja: 'プロキシ自身のカウンターを管理ポートで読む方法' },
  ],
  platform: 'eks',
  region: 'us-west-2',
  accounts: [{ name: 'main', title: 'your AWS account', exampleId: '111122223333' }],
  clusters: [
    {
      name: 'main',
      title: 'EKS cluster',
      clusterName: 'yelb',
      account: 'main',
      resources: [
        mesh(MESH, { namespaceSelector: { matchLabels: { mesh: MESH } } }),
        meshNamespace(NS, MESH),
        envoyPolicy('appmesh-proxyauth', MESH, {
          extraStatements: [
            {
              effect: 'Allow',
              actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
              resources: ['*'],
            },
            // No cloudwatch:PutMetricData: the CloudWatch agent runs per node with a role of its own.
          ],
        }),
        proxyServiceAccount(NS, 'yelb-canary-observability-proxyauth', ['appmesh-proxyauth']),
        ...yelbRedis(NS, { awsName: fqdn, logging: accessLog, observability }),
        ...yelbDatabase(NS, { awsName: fqdn, logging: accessLog, observability }),
        ...appserver('v1'),
        router({ 'yelb-appserver-v1': 1 }),
        virtualService(NS, 'yelb-appserver', {
          awsName: APPSERVER,
          provider: { virtualRouter: { virtualRouterRef: { name: 'yelb-appserver' } } },
        }),
        // Covers both versions' pods, so whichever the router picks is behind the name clients resolve.
        service(NS, 'yelb-appserver', { selector: { app: 'yelb-appserver' }, ports: [{ name: 'http', port: 4567, targetPort: 'http' }] }),
        ...yelbUi(NS, {
          appserverEndpoint: `http://${APPSERVER}:4567`,
          backends: [{ virtualService: { virtualServiceRef: { name: 'yelb-appserver' } } }],
          logging: accessLog,
          observability,
        }),
      ],
    },
  ],
  steps: [
    { name: 'v1-only', title: 'Yelb in the mesh, appserver v1 only', ja: { title: 'メッシュの中の Yelb（appserver は v1 のみ）', summary: '仮想ルーターはすべてのリクエストを yelb-appserver-v1 に送ります。' }, summary: 'The router sends every request to yelb-appserver-v1.', changes: [] },
    {
      name: 'canary',
      title: 'Canary: v1 2, v2 1', ja: { title: 'カナリア: v1 が 2、v2 が 1', summary: 'yelb-appserver-v2 をデプロイしてルートの重みを 2:1 にし、リクエストの約 3 分の 1 が v2 に届くようにします。' },
      summary: 'Deploy yelb-appserver-v2 and weigh the route 2:1, so about a third of requests reach v2.',
      changes: [...appserver('v2'), router({ 'yelb-appserver-v1': 2, 'yelb-appserver-v2': 1 })].map((resource) => ({ op: 'put' as const, resource })),
    },
    {
      name: 'promote',
      title: 'Promote v2', ja: { title: 'v2 を昇格する', summary: 'ルートはすべてを v2 に送ります。そのあと v1 はスケールダウンできます。' },
      summary: 'The route sends everything to v2; v1 can then be scaled down.',
      changes: [{ op: 'put', resource: router({ 'yelb-appserver-v2': 1 }) }],
    },
  ],
  entries: [
    { name: 'ui', title: 'the yelb-ui load balancer', ja: { title: 'yelb-ui のロードバランサー' }, kind: 'load-balancer', service: { name: 'yelb-ui', namespace: NS }, port: 80, envVar: 'YELB_UI' },
    { name: 'ui-envoy', title: 'yelb-ui’s Envoy admin port', ja: { title: 'yelb-ui の Envoy の管理ポート' }, kind: 'envoy-admin', workload: { name: 'yelb-ui', namespace: NS }, port: 9901 },
  ],
  checks: [
    ...yelbChecks('ui'),
    {
      name: 'hostname-v1',
      title: 'Before the canary every answer comes from v1', ja: { title: 'カナリアの前は、すべての応答が v1 から返る' },
      until: 'v1-only',
      request: { entry: 'ui', path: '/api/hostname' },
      expect: { kind: 'always', response: { body: { not: V2 }, label: 'the v1 pod’s hostname', ja: { label: 'v1 の Pod のホスト名' } } },
    },
    {
      name: 'hostname-canary',
      title: 'About two thirds of /api/hostname answers come from v1', ja: { title: '/api/hostname の応答の約 3 分の 2 は v1 から返る' },
      step: 'canary',
      until: 'canary',
      request: { entry: 'ui', path: '/api/hostname' },
      expect: {
        kind: 'distribution',
        samples: 300,
        outcomes: [
          { weight: 2, body: { not: V2 }, label: 'the v1 pod’s hostname', ja: { label: 'v1 の Pod のホスト名' } },
          { weight: 1, body: V2, label: 'ApplicationVersion2', ja: { label: 'ApplicationVersion2' } },
        ],
      },
      explain: { en: 'Weights 2 and 1 give 66.7% and 33.3%, as in the seminar’s canary slide.', ja: '重み 2 と 1 で 66.7% と 33.3% になります。セミナーのカナリアのスライドと同じです。' },
    },
    {
      name: 'hostname-promoted',
      title: 'After promotion every answer comes from v2', ja: { title: '昇格のあとは、すべての応答が v2 から返る' },
      step: 'promote',
      request: { entry: 'ui', path: '/api/hostname' },
      expect: { kind: 'always', response: { body: V2, label: 'ApplicationVersion2', ja: { label: 'ApplicationVersion2' } } },
    },
    {
      name: 'proxy-counts',
      title: 'yelb-ui’s Envoy counts requests per upstream', ja: { title: 'yelb-ui の Envoy が上流ごとにリクエストを数える' },
      request: { entry: 'ui-envoy', path: '/stats' },
      expect: {
        kind: 'always',
        response: { body: { matches: 'cluster\\.\\S*yelb-appserver\\S*\\.upstream_rq_2xx: [1-9]' }, label: 'a non-zero `upstream_rq_2xx` for the appserver cluster', ja: { label: 'appserver のクラスターの `upstream_rq_2xx` が 0 でない' } },
      },
      explain: { en: 'Run it after loading the page: every proxied request is counted by upstream cluster and status class.', ja: 'ページを読み込んでから実行してください。プロキシを通ったリクエストはすべて、上流のクラスターとステータスの種類ごとに数えられます。' },
    },
    {
      name: 'trace',
      title: 'One vote through the UI is one trace with a span per hop', ja: { title: 'UI からの 1 票が、ホップごとにスパンを持つ 1 本のトレースになる' },
      request: { entry: 'ui', path: '/api/outback' },
      expect: { kind: 'trace', hops: ['yelb-ui', 'yelb-appserver', 'yelb-db'] },
      explain: { en: 'Each Envoy on the way adds its span to the X-Ray trace the first one started.', ja: '途中の各 Envoy が、最初の Envoy が始めた X-Ray のトレースに自分のスパンを加えます。' },
    },
  ],
  corrections: [
    {
      original: { en: 'The seminar showed the 2:1 split and the observability setup in the console only, with no manifests to run.', ja: 'セミナーは 2:1 の振り分けとオブザーバビリティの設定をコンソールで見せただけで、実行できるマニフェストはありませんでした。' },
      correction: { en: 'Every object is in the rendered folder, and the canary is two steps you apply and check.', ja: 'すべてのオブジェクトが生成したフォルダーにあり、カナリアは適用して確かめる 2 つのステップです。' },
    },
    {
      original: { en: 'The CloudWatch agent image had to be built from a sample Dockerfile.', ja: 'CloudWatch エージェントのイメージは、サンプルの Dockerfile からビルドする必要がありました。' },
      correction: { en: 'The agent runs from AWS’s published image, configured through `CW_CONFIG_CONTENT` to receive Envoy’s StatsD on 8125/udp.', ja: 'エージェントは AWS が公開しているイメージで動き、`CW_CONFIG_CONTENT` の設定で Envoy の StatsD を 8125/udp で受け取ります。' },
    },
    {
      original: { en: 'Calling the appserver by its short name (`yelb-appserver:4567`) only works when the virtual service is named that way.', ja: 'appserver を短い名前（`yelb-appserver:4567`）で呼べるのは、仮想サービスがその名前のときだけです。' },
      correction: { en: 'The virtual services carry their full names and the UI calls `http://yelb-appserver.yelb.svc.cluster.local:4567`.', ja: '仮想サービスは完全な名前を持ち、UI は `http://yelb-appserver.yelb.svc.cluster.local:4567` を呼びます。' },
    },
  ],
};
