/**
 * The sentences of the guides' live-target sections (targets.ts), in each guide language. Only the
 * guide's own prose is here: the commands, the expected output of `pnpm walkthrough check`, the
 * migration report and the per-check notes come from the renderers and src/migrate, which
 * `pnpm mesh migrate` prints too, so they are the same in both guides; the Japanese guide introduces
 * them in Japanese.
 */
import type { ExpectedResponse, Expectation } from '../../model/checks.js';
import type { Language } from '../../model/text.js';
import { ISTIO_VERSION } from '../istio/index.js';
import { GATEWAY_API_VERSION, LATTICE_CONTROLLER_VERSION } from '../lattice/index.js';
import { TARGET_TITLES, type LiveTarget } from '../layout.js';
import { EXTERNAL_DNS_CHART_VERSION } from './target-commands.js';

/** Whether a check's note says why it differs from App Mesh or only adds to what it shows. */
export type NoteKind = 'same' | 'differs';

export interface TargetWords {
  istioNeeds(o: { multi: boolean; observed: boolean }): string;
  latticeNeeds(o: { multi: boolean; domain: string }): string;
  serviceConnectNeeds: string;
  deploy: string;
  istioPods: string;
  latticePods: string;
  /** The lead of the steps; `notes`: whether any check below carries a note from the migration code. */
  checkIt(o: { target: LiveTarget; notes: boolean }): string;
  stepHeading(n: number, title: string, name: string): string;
  nothingChanges(target: LiveTarget): string;
  /** A check the target has no way to make, and why (the note, quoted as it is). */
  unavailable(note: string): string;
  /** The words before a check's note, on a line of their own ('' where the note follows directly). */
  noteLead: Record<NoteKind, string>;
  /** Replaces the expected-result lead when the target answers differently. */
  expectedDiffers: string;
  istioClean: string;
  latticeClean: string;
  serviceConnectClean: string;
  serviceConnectTlsOn: string;
  serviceConnectTlsPartial: string;
  localRun(target: 'istio' | 'lattice'): string;
  report: string;
}

const LATTICE_DEPLOY_GUIDE = `https://github.com/aws/aws-application-networking-k8s/blob/${LATTICE_CONTROLLER_VERSION}/docs/guides/deploy.md`;

const ENGLISH: TargetWords = {
  istioNeeds: ({ multi, observed }) =>
    `**You need** ${multi ? 'two EKS clusters' : 'an EKS cluster'} (Kubernetes 1.31 or later), kubectl, Helm 3, the AWS CLI${observed ? ', eksctl' : ''} and Docker. Istio ${ISTIO_VERSION} is installed with its Helm charts; the values file carries what this walkthrough needs from the control plane${observed ? ' (the collector as tracing provider)' : ''}${multi ? ' and each cluster’s place in the mesh (mesh ID, cluster name, network)' : ''}.\n`,
  latticeNeeds: ({ multi, domain }) =>
    `**You need** ${multi ? 'two EKS clusters' : 'an EKS cluster'} (Kubernetes 1.31 or later), kubectl, Helm 3, the AWS CLI, eksctl and Docker. The commands below install the Gateway API ${GATEWAY_API_VERSION} CRDs (standard channel) and the AWS Gateway API Controller ${LATTICE_CONTROLLER_VERSION}${multi ? ' in each cluster' : ''} with the IAM policy of its release on its service account, as its deploy guide does (${LATTICE_DEPLOY_GUIDE}); then ExternalDNS (chart ${EXTERNAL_DNS_CHART_VERSION}), which writes each Lattice service’s name into the private zone ${domain}; and they let Lattice’s addresses reach the pods (the Lattice prefix list into the cluster security group). (The controller is built against Gateway API v1.5; the Gateway and HTTPRoute fields rendered here exist unchanged since v1.0.)\n`,
  serviceConnectNeeds:
    '**You need** the AWS CLI and Docker, and a VPC with public subnets in two Availability Zones (the default VPC will do) for the Application Load Balancer. Nothing to install: ECS adds Service Connect’s proxy to each task itself.\n',
  deploy: '**Deploy.**\n',
  istioPods: 'Every pod shows `2/2` (the app and Istio’s proxy); the gateway pods `1/1`: they *are* the proxy.\n',
  latticePods:
    'Every pod shows `1/1`: no proxy beside it. Each HTTPRoute’s annotation `application-networking.k8s.aws/lattice-assigned-domain-name` holds the name Lattice gave its service; the private zone maps the walkthrough’s names to it.\n',
  checkIt: ({ target }) => (target === 'lattice' ? '**Check it, step by step.** There is no gateway: the checks run inside the VPC.\n' : '**Check it, step by step.**\n'),
  stepHeading: (n, title, name) => `#### Step ${n}: ${title} (\`${name}\`)\n`,
  nothingChanges: (target) => `Nothing changes on ${TARGET_TITLES[target]} at this step.\n`,
  unavailable: (note) => `Not on this target: ${note}\n`,
  noteLead: { same: '', differs: '' },
  expectedDiffers: 'Expected (differs from App Mesh):',
  istioClean: '**Clean up.** Newest folder first, one `kubectl delete -k` each:\n',
  latticeClean: '**Clean up.** Newest folder first, one `kubectl delete -k` each (the controller then deletes the Lattice services and the service network it made):\n',
  serviceConnectClean: '**Clean up.**\n',
  serviceConnectTlsOn:
    'Opt-in, and it costs money: an AWS Private CA is billed every month (short-lived mode costs least). With one tagged `AmazonECSManaged=true`, deploy the services again with its ARN: every Service Connect service then speaks TLS 1.3 with certificates from it.\n',
  serviceConnectTlsPartial: 'Not carried: Service Connect turns TLS on for every service of the stack at once, not node by node (see the report).\n',
  localRun: (target) => {
    const title = target === 'istio' ? 'Istio' : 'Lattice';
    const how =
      target === 'istio'
        ? 'a sidecar beside every injected pod and the ingress gateway, configured from the VirtualServices, DestinationRules, Sidecars and Telemetry above (the proxies talk mutual TLS to each other with SPIFFE certificates from a local mesh CA, as the PeerAuthentications and DestinationRules say)'
        : 'beside every pod a proxy standing for its path into the VPC: the Lattice services of the service networks its cluster is associated with, by their names, with the rules, weights, target-group health checks and auth policies above, as the controller accepts them';
    return `**Run it locally on ${title}.** No cluster needed: the local mesh reads the files above (what \`kubectl apply -k\` would send) and runs them through its proxies — ${how}. The same checks run at every step; a check ${title} cannot carry is *expected to differ*, with the reason, and shows what happens instead.\n`;
  },
  report: '**What the migration keeps.**\n',
};

const JA_TARGET_TITLES: Record<LiveTarget, string> = {
  istio: 'Istio（サイドカーモード）',
  lattice: 'Amazon VPC Lattice 上の Gateway API',
  'service-connect': 'Amazon ECS Service Connect',
};

const JAPANESE: TargetWords = {
  istioNeeds: ({ multi, observed }) =>
    `**用意するもの:** ${multi ? '2 つの EKS クラスター' : 'EKS クラスター'}（Kubernetes 1.31 以降）、kubectl、Helm 3、AWS CLI、${observed ? 'eksctl、' : ''}Docker です。Istio ${ISTIO_VERSION} は Helm チャートでインストールします。values ファイルには、このウォークスルーがコントロールプレーンに必要とする設定${observed ? '（トレーシングのプロバイダーとしてのコレクター）' : ''}${multi ? 'と、メッシュの中での各クラスターの位置づけ（メッシュ ID、クラスター名、ネットワーク）' : ''}を書いています。\n`,
  latticeNeeds: ({ multi, domain }) =>
    `**用意するもの:** ${multi ? '2 つの EKS クラスター' : 'EKS クラスター'}（Kubernetes 1.31 以降）、kubectl、Helm 3、AWS CLI、eksctl、Docker です。次のコマンドは${multi ? '各クラスターに' : ''} Gateway API ${GATEWAY_API_VERSION} の CRD（standard チャネル）と AWS Gateway API Controller ${LATTICE_CONTROLLER_VERSION} をインストールし、コントローラーの[デプロイガイド](${LATTICE_DEPLOY_GUIDE})のとおり、そのリリースの IAM ポリシーをコントローラーのサービスアカウントに付与します。続いて ExternalDNS（チャート ${EXTERNAL_DNS_CHART_VERSION}）をインストールします。ExternalDNS は各 Lattice サービスの名前をプライベートゾーン \`${domain}\` に書き込みます。最後に、Lattice のアドレスから Pod に届くようにします（Lattice のプレフィックスリストをクラスターのセキュリティグループに追加します）。なお、コントローラーは Gateway API v1.5 に対してビルドされていますが、ここで生成する Gateway と HTTPRoute のフィールドは v1.0 から変わっていません。\n`,
  serviceConnectNeeds:
    '**用意するもの:** AWS CLI と Docker、それに Application Load Balancer を置くための、2 つのアベイラビリティーゾーンにパブリックサブネットを持つ VPC（デフォルト VPC で構いません）です。インストールするものはありません。Service Connect のプロキシは ECS が各タスクに追加します。\n',
  deploy: '**デプロイ**\n',
  istioPods: 'どの Pod も `2/2`（アプリと Istio のプロキシ）と表示されます。ゲートウェイの Pod だけは `1/1` です。Pod そのものがプロキシだからです。\n',
  latticePods:
    'どの Pod も `1/1` と表示されます。横にプロキシはありません。各 HTTPRoute のアノテーション `application-networking.k8s.aws/lattice-assigned-domain-name` には、Lattice がそのサービスに付けた名前が入ります。プライベートゾーンが、ウォークスルーで使う名前をその名前に対応付けます。\n',
  checkIt: ({ target, notes }) => {
    const sentences = [
      ...(target === 'lattice' ? ['ゲートウェイはないので、確認は VPC の中から行います。'] : []),
      ...(notes ? ['引用した英文は移行ツールの注記で、`pnpm mesh migrate` が出力する文をそのまま載せています。'] : []),
    ];
    return sentences.length ? `**ステップごとの確認:** ${sentences.join('')}\n` : '**ステップごとの確認**\n';
  },
  stepHeading: (n, title, name) => `#### ステップ ${n}: ${title} (\`${name}\`)\n`,
  nothingChanges: (target) => `このステップでは、${JA_TARGET_TITLES[target]} の側で変わるものはありません。\n`,
  unavailable: (note) => `このターゲットでは確認できません。理由は次のとおりです:\n\n> ${note}\n`,
  noteLead: { same: 'このターゲットでの補足:', differs: 'App Mesh と異なる理由:' },
  expectedDiffers: '期待される結果（App Mesh とは異なります）:',
  istioClean: '**後片付け:** 新しいフォルダーから順に、フォルダーごとに `kubectl delete -k` を実行します:\n',
  latticeClean:
    '**後片付け:** 新しいフォルダーから順に、フォルダーごとに `kubectl delete -k` を実行します（コントローラーが、自分で作った Lattice サービスとサービスネットワークを削除します）:\n',
  serviceConnectClean: '**後片付け**\n',
  serviceConnectTlsOn:
    'オプトインで、料金が発生します。AWS Private CA は毎月課金されます（有効期間の短い証明書のモードが最も安価です）。タグ `AmazonECSManaged=true` を付けた Private CA を用意し、その ARN を渡してサービスをもう一度デプロイします。すると Service Connect のすべてのサービスが、その CA の証明書を使って TLS 1.3 で通信します。\n',
  serviceConnectTlsPartial: '引き継がれません。Service Connect はノードごとではなく、スタックのすべてのサービスで一度に TLS を有効にします（レポートを参照してください）。\n',
  localRun: (target) => {
    const title = target === 'istio' ? 'Istio' : 'Lattice';
    const how =
      target === 'istio'
        ? 'サイドカーを注入した各 Pod の横と Ingress ゲートウェイにプロキシを置き、上の VirtualService、DestinationRule、Sidecar、Telemetry から設定します（プロキシ同士は、PeerAuthentication と DestinationRule のとおりに、ローカルメッシュの CA が発行した SPIFFE 証明書を使い、相互 TLS（mTLS）で通信します）。'
        : '各 Pod の横に、その Pod から VPC への経路を表すプロキシを置きます。このプロキシは、クラスターが関連付けられたサービスネットワークの Lattice サービスにその名前で到達し、上のルール、重み、ターゲットグループのヘルスチェック、認証ポリシーを、コントローラーが受け付けるとおりに適用します。';
    return `**${title} 向けのファイルをローカルで動かす:** クラスターは不要です。ローカルメッシュが上のファイル（\`kubectl apply -k\` が送るもの）を読み込み、自身のプロキシで動かします。${how}各ステップで同じ確認項目を実行します。${title} では再現できない確認項目は、理由を添えて「expected to differ」（違いが想定される）と表示され、代わりに何が起きたかを示します。\n`;
  },
  report:
    '**移行で引き継がれるもの:** 次のレポートは `pnpm mesh migrate` の出力と同じもので、英語のまま載せています。このウォークスルーが使う App Mesh の機能ごとに、引き継がれる（carried）、一部だけ引き継がれる（in part）、不要になる（not needed）、引き継がれない（not carried）のどれに当たるかと、移行先で何になるかを示します。\n',
};

export const TARGET_WORDS: Record<Language, TargetWords> = { en: ENGLISH, ja: JAPANESE };

/**
 * The Japanese of the answers the migration code predicts when a target answers differently
 * (src/migrate/checks.ts): its labels are English only, and it is not ours to change. A label that
 * is the answer itself (a colour) reads the same in both languages.
 */
const PREDICTED_LABELS_JA: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/^HTTP 404 \(no route\)$/, () => 'HTTP 404（ルートなし）'],
  [/^HTTP 404 \(no rule matches\)$/, () => 'HTTP 404（一致するルールなし）'],
  [/^HTTP 404 from the load balancer$/, () => 'ロードバランサーが返す HTTP 404'],
  [/^the answer of node (\S+)$/, (m) => `ノード ${m[1]} の応答`],
];

function predictedResponse<R extends ExpectedResponse>(response: R): R {
  if (response.ja) return response;
  if (response.body && 'equals' in response.body && response.body.equals === response.label) return { ...response, ja: { label: response.label } };
  for (const [pattern, ja] of PREDICTED_LABELS_JA) {
    const m = pattern.exec(response.label);
    if (m) return { ...response, ja: { label: ja(m) } };
  }
  throw new Error(`the predicted answer "${response.label}" has no Japanese form: add it to PREDICTED_LABELS_JA (src/render/docs/target-prose.ts)`);
}

/** A predicted expectation with the Japanese of each answer beside its English, for the Japanese guides. */
export function predictedExpectation(expect: Expectation, lang: Language): Expectation {
  if (lang === 'en') return expect;
  switch (expect.kind) {
    case 'always':
      return { ...expect, response: predictedResponse(expect.response) };
    case 'oneOf':
    case 'sequence':
      return { ...expect, responses: expect.responses.map(predictedResponse) };
    case 'distribution':
      return { ...expect, outcomes: expect.outcomes.map(predictedResponse) };
    case 'trace':
      return expect;
  }
}
