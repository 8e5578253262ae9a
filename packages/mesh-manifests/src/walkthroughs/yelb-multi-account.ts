/**
 * yelb-multi-account (after the AWS blog post cited in `source`): one mesh owned by the frontend
 * account and shared with the backend account through AWS RAM; yelb-ui in the frontend cluster
 * calls the appserver that the backend cluster registers in Cloud Map, across peered VPCs.
 */
import type { CloudMapNamespace, ResourceShare, VpcPeering } from '../model/aws.js';
import { appMeshArn } from '../model/aws.js';
import { mesh, meshNamespace, ms, service, virtualNode, virtualRouter, virtualService, weightedTargets, workload } from '../model/build.js';
import type { GuidedWalkthrough, Resource } from '../model/walkthrough.js';
import { envoyPolicy, PROXY_SERVICE_ACCOUNT, proxyServiceAccount } from './shared.js';
import { yelbChecks, yelbDatabase, yelbRedis, yelbUi } from './yelb.js';

const NS = 'yelb';
const MESH = 'am-multi-account-mesh';
const REGION = 'us-west-2';
const FRONTEND_ACCOUNT = '111122223333';
const BACKEND_ACCOUNT = '444455556666';
const CLOUD_MAP_NAMESPACE = 'am-multi-account.local';

/** Both clusters hold the same Mesh object; the backend's controller then acts on the frontend's mesh. */
const sharedMesh = mesh(MESH, { meshOwner: FRONTEND_ACCOUNT, namespaceSelector: { matchLabels: { mesh: MESH } } });

/** The appserver's virtual service as the frontend sees it: an ARN in the mesh owner's account. */
export const APPSERVER_SERVICE_ARN = appMeshArn({ region: REGION, account: FRONTEND_ACCOUNT }, MESH, {
  type: 'virtualService',
  name: 'yelb-appserver',
});

const meshPolicyParameters = {
  MeshOwnerAccountId: { description: 'Account that owns the shared mesh (the frontend account)' },
};

const backend: Resource[] = [
  sharedMesh,
  meshNamespace(NS, MESH),
  envoyPolicy('appmesh-proxyauth', MESH, { meshAccount: '${MeshOwnerAccountId}', parameters: meshPolicyParameters }),
  proxyServiceAccount(NS, 'yelb-multi-account-backend-proxyauth', ['appmesh-proxyauth']),
  {
    kind: 'CloudMapNamespace',
    metadata: { name: CLOUD_MAP_NAMESPACE },
    spec: { type: 'http' },
  } satisfies CloudMapNamespace,
  ...yelbRedis(NS),
  ...yelbDatabase(NS),
  workload(NS, 'yelb-appserver', {
    component: 'yelb-appserver',
    replicas: 1,
    podLabels: { app: 'yelb-appserver', tier: 'middletier' },
    ports: [{ name: 'http', port: 4567 }],
    env: { RACK_ENV: 'production' },
    probe: { path: '/ping', port: 4567 },
    serviceAccountName: PROXY_SERVICE_ACCOUNT,
    notes: ['RACK_ENV=production: Postgres at yelb-db:5432 and Redis at redis-server:6379.', 'No Kubernetes Service: the controller registers the pods in Cloud Map.'],
  }),
  virtualNode(NS, 'yelb-appserver', {
    podSelector: { matchLabels: { app: 'yelb-appserver' } },
    listeners: [{ portMapping: { port: 4567, protocol: 'http' } }],
    serviceDiscovery: { awsCloudMap: { namespaceName: CLOUD_MAP_NAMESPACE, serviceName: 'yelb-appserver' } },
    backends: ['yelb-db', 'redis-server'].map((name) => ({ virtualService: { virtualServiceRef: { name } } })),
  }),
  virtualRouter(NS, 'yelb-appserver', {
    awsName: 'yelb-appserver-virtual-router',
    listeners: [{ portMapping: { port: 4567, protocol: 'http' } }],
    routes: [
      {
        name: 'route-to-yelb-appserver',
        httpRoute: {
          match: { prefix: '/' },
          action: { weightedTargets: weightedTargets({ 'yelb-appserver': 1 }) },
          retryPolicy: { maxRetries: 2, perRetryTimeout: ms(2000), httpRetryEvents: ['server-error', 'client-error', 'gateway-error'] },
        },
      },
    ],
  }),
  virtualService(NS, 'yelb-appserver', {
    awsName: 'yelb-appserver',
    provider: { virtualRouter: { virtualRouterRef: { name: 'yelb-appserver' } } },
  }),
  {
    kind: 'VpcPeering',
    metadata: { name: 'am-multi-account-peering' },
    spec: { requester: 'backend', accepter: 'frontend' },
  } satisfies VpcPeering,
];

const frontend: Resource[] = [
  sharedMesh,
  meshNamespace(NS, MESH),
  envoyPolicy('appmesh-proxyauth', MESH),
  proxyServiceAccount(NS, 'yelb-multi-account-frontend-proxyauth', ['appmesh-proxyauth']),
  {
    kind: 'ResourceShare',
    metadata: { name: 'mesh-share' },
    spec: { allowExternalPrincipals: true, meshName: MESH, principals: ['backend'] },
  } satisfies ResourceShare,
  ...yelbUi(NS, {
    appserverEndpoint: 'http://yelb-appserver:4567',
    backends: [{ virtualService: { virtualServiceARN: APPSERVER_SERVICE_ARN } }],
    withVirtualService: true,
  }),
  // Gives `yelb-appserver` a DNS name in this cluster; its traffic is Envoy's to route.
  service(NS, 'yelb-appserver', { ports: [{ name: 'http', port: 4567, targetPort: 4567 }] }),
];

export const yelbMultiAccount: GuidedWalkthrough = {
  name: 'yelb-multi-account',
  title: 'Yelb across two accounts: a mesh shared with AWS RAM',
  source: {
    title: 'Leveraging App Mesh with Amazon EKS in a Multi-Account environment',
    author: 'Guilherme França and Bruno Emer (AWS)',
    site: 'AWS Containers Blog',
    date: '2020-12',
    url: 'https://aws.amazon.com/blogs/containers/leveraging-app-mesh-with-amazon-eks-in-a-multi-account-environment/',
    related: [
      {
        title: 'マルチアカウント環境の Amazon EKS における App Mesh の活用',
        author: 'Japanese translation by 加治 (AWS)',
        site: 'Amazon Web Services ブログ',
        url: 'https://aws.amazon.com/jp/blogs/news/containers-leveraging-app-mesh-with-amazon-eks-in-a-multi-account-environment',
      },
      {
        title: 'eks-app-mesh-multi-account',
        author: 'AWS',
        site: 'aws/aws-app-mesh-examples on GitHub',
        url: 'https://github.com/aws/aws-app-mesh-examples/tree/main/walkthroughs/eks-app-mesh-multi-account',
      },
      { title: 'Yelb', author: 'Massimo Re Ferrè', site: 'mreferre/yelb on GitHub', url: 'https://github.com/mreferre/yelb' },
    ],
  },
  teaches: [
    { en: 'a mesh owned by one account (`meshOwner`) and shared with another through an AWS RAM resource share', ja: '1 つのアカウントが所有し（`meshOwner`）、AWS RAM のリソース共有で別のアカウントと共有するメッシュ' },
    { en: 'a virtual node discovered through AWS Cloud Map instead of DNS (client-side load balancing, no load balancer between services)', ja: 'DNS の代わりに AWS Cloud Map で検出する仮想ノード（クライアント側の負荷分散で、サービス間にロードバランサーを置きません）' },
    { en: 'a backend referenced across accounts by its virtual service ARN', ja: 'アカウントをまたいで仮想サービスの ARN で参照するバックエンド' },
    { en: 'a retry policy on the appserver’s route', ja: 'appserver のルートのリトライポリシー' },
    { en: 'VPC peering between the two clusters’ VPCs', ja: '2 つのクラスターの VPC 間の VPC ピアリング' },
  ],
  platform: 'eks',
  region: REGION,
  accounts: [
    { name: 'frontend', title: 'frontend account (owns the mesh)', exampleId: FRONTEND_ACCOUNT },
    { name: 'backend', title: 'backend account', exampleId: BACKEND_ACCOUNT },
  ],
  clusters: [
    { name: 'frontend', title: 'frontend cluster', clusterName: 'am-multi-account-1', account: 'frontend', vpcCidr: '10.192.0.0/16', resources: frontend },
    { name: 'backend', title: 'backend cluster', clusterName: 'am-multi-account-2', account: 'backend', vpcCidr: '10.193.0.0/16', resources: backend },
  ],
  steps: [{ name: 'shared-mesh', title: 'Share the mesh and deploy both sides', ja: { title: 'メッシュを共有し、両側をデプロイする', summary: '先にバックエンド（その仮想サービスが存在している必要があります）、次にフロントエンドをデプロイします。' }, summary: 'Backend first (its virtual service must exist), then the frontend.', changes: [] }],
  entries: [
    {
      name: 'ui',
      title: 'the yelb-ui load balancer (frontend cluster)', ja: { title: 'yelb-ui のロードバランサー（フロントエンドのクラスター）' },
      kind: 'load-balancer',
      cluster: 'frontend',
      service: { name: 'yelb-ui', namespace: NS },
      port: 80,
      envVar: 'YELB_UI',
    },
  ],
  checks: yelbChecks('ui'),
  corrections: [
    {
      original: { en: 'The yelb-ui virtual node listened on 4567 while the UI container serves on 80.', ja: 'yelb-ui の仮想ノードはポート 4567 で待ち受けていましたが、UI のコンテナはポート 80 で応答していました。' },
      correction: { en: 'The listener is the UI container’s port (8080 in our image): listener port = container port = Service targetPort; the Service still answers on 80.', ja: 'リスナーは UI コンテナのポート（このイメージでは 8080）です。リスナーのポート = コンテナのポート = Service の targetPort で、Service は引き続きポート 80 で応答します。' },
    },
    {
      original: { en: 'The learner had to copy the appserver’s virtual service ARN from the backend cluster and paste it into `mesh/yelb-ui.yaml` by hand.', ja: '学習者はバックエンドのクラスターから appserver の仮想サービスの ARN をコピーし、`mesh/yelb-ui.yaml` に手で貼り付ける必要がありました。' },
      correction:
        { en: 'The ARN is computed from the mesh, its owner account and the region; the rendered frontend folder fills in your account and region from `settings/settings.env`.', ja: 'ARN はメッシュ、その所有アカウント、リージョンから計算します。生成したフロントエンドのフォルダーは、`settings/settings.env` からアカウントとリージョンを埋めます。' },
    },
    {
      original: { en: 'The mesh owner account was read at run time by a script (`create_mesh.sh`) and written into a temporary manifest.', ja: 'メッシュの所有アカウントは実行時にスクリプト（`create_mesh.sh`）で読み取り、一時的なマニフェストに書き込んでいました。' },
      correction: { en: 'The Mesh object is part of both clusters’ manifests, with `meshOwner` filled in from the same settings file.', ja: 'Mesh オブジェクトは両方のクラスターのマニフェストに含まれ、`meshOwner` は同じ設定ファイルから埋めます。' },
    },
    {
      original: { en: 'Images were the 2017–2019 Docker Hub builds (`mreferre/yelb-*`, `redis:4.0.2`) and the clusters ran Kubernetes 1.22.', ja: 'イメージは 2017〜2019 年の Docker Hub のビルド（`mreferre/yelb-*`、`redis:4.0.2`）で、クラスターは Kubernetes 1.22 でした。' },
      correction: { en: 'Our own Yelb images built from `apps/`, current Postgres and Redis images, and manifests that validate against current Kubernetes schemas.', ja: '`apps/` からビルドした独自の Yelb イメージ、現行の Postgres と Redis のイメージ、そして現行の Kubernetes のスキーマで検証を通るマニフェストを使います。' },
    },
  ],
};
