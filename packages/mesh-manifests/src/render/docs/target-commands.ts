/**
 * The shell commands of each live target, in the order they must run: what to install once, how to
 * deploy, how to clean up. The guides' sections and the target folders' READMEs both print these,
 * so the two cannot drift apart.
 */
import { isOurApp } from '../../model/components.js';
import { ofKind, stateAt } from '../../model/state.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import type { TemplateFile } from '../eks/cloudformation.js';
import { APPMESH_TARGET } from '../eks/index.js';
import { ecrPushLines, ecsShellSetup } from '../ecs/docs.js';
import { SHELL, STACK_OUTPUT_HELPER } from '../ecs/index.js';
import { ISTIO_TARGET, ISTIO_VERSION } from '../istio/index.js';
import { ADOT_MANAGED_POLICIES, collectorRoleName, COLLECTOR, istioNetwork } from '../istio/observability.js';
import { applyFolders, clusterOutputs, templateDeployCommand, type KubernetesTarget } from '../kubernetes/target-tree.js';
import { GATEWAY_API_VERSION, LATTICE_CONTROLLER_VERSION, LATTICE_TARGET, latticeDomain, latticeHost } from '../lattice/index.js';
import { targetFolder, type LiveTarget } from '../layout.js';
import { MeshGraph } from '../mesh-graph.js';
import { serviceConnectDeployCommand, serviceConnectStacks } from '../service-connect/index.js';

export interface TargetCommands {
  /** Once per cluster, before the first deploy. */
  install: string[];
  deploy: string[];
  clean: string[];
}

export const KUBERNETES: Record<'appmesh' | 'istio' | 'lattice', KubernetesTarget> = { appmesh: APPMESH_TARGET, istio: ISTIO_TARGET, lattice: LATTICE_TARGET };

/** The chart version ExternalDNS is installed at: its next release makes `policy` required. */
export const EXTERNAL_DNS_CHART_VERSION = '1.21.1';

export function contextNote(walkthrough: Walkthrough, cluster: Cluster): string {
  return walkthrough.clusters.length > 1 ? ` (${cluster.title}: kubectl’s context set to it, the ${cluster.account} account’s credentials)` : '';
}

function contextVariable(cluster: Cluster): string {
  return `${cluster.name.toUpperCase()}_CONTEXT`;
}

/** kubectl's (or helm's) flag naming a cluster's context, where a walkthrough spans two: a command in the wrong cluster would change the other. */
export function contextFlag(walkthrough: Walkthrough, cluster: Cluster, flag: '--context' | '--kube-context' = '--context'): string {
  return walkthrough.clusters.length > 1 ? ` ${flag} "$${contextVariable(cluster)}"` : '';
}

/** The region and account a cluster's settings hold, for commands that name them. */
function settingsExports(walkthrough: Walkthrough, target: 'istio' | 'lattice', cluster: Cluster): string[] {
  const file = `${targetFolder(walkthrough, target, cluster)}/settings/settings.env`;
  return [
    `# Your region, account and registry, once: edit ${file}`,
    `export AWS_REGION=$(sed -n "s/^AWS_REGION=//p" ${file}) AWS_ACCOUNT_ID=$(sed -n "s/^AWS_ACCOUNT_ID=//p" ${file})`,
  ];
}

function oidcProvider(cluster: Cluster): string {
  return `eksctl utils associate-iam-oidc-provider --cluster ${cluster.clusterName} --approve   # IAM roles for service accounts (IRSA), once per cluster`;
}

function contextsExport(walkthrough: Walkthrough): string {
  return `export ${walkthrough.clusters.map((c) => `${contextVariable(c)}=<kubectl context of the ${c.name} cluster>`).join(' ')}`;
}

function appsOf(walkthrough: Walkthrough, cluster: Cluster): string[] {
  return [...new Set(walkthrough.steps.flatMap((s) => ofKind(stateAt(walkthrough, s.name).find((c) => c.name === cluster.name)!.resources, 'Workload').map((w) => w.spec.component)).filter(isOurApp))].sort();
}

/** Build and push the images a cluster runs, to the registry its settings name. */
function imageLines(walkthrough: Walkthrough, cluster: Cluster, folder: string): string[] {
  return [
    `export ${SHELL.registry}=$(sed -n "s/^IMAGE_REGISTRY=//p" ${folder}/settings/settings.env)`,
    ...appsOf(walkthrough, cluster).map((app) => `docker build -f apps/${app}/Dockerfile -t "$${SHELL.registry}/amw/${app}:latest" . && docker push "$${SHELL.registry}/amw/${app}:latest"`),
  ];
}

/** One delete per folder, newest step first, so nothing a later step made is left behind. */
export function deleteLines(walkthrough: Walkthrough, target: KubernetesTarget, cluster: Cluster, flags = ''): string[] {
  return applyFolders(walkthrough, target, cluster)
    .reverse()
    .map((folder) => `kubectl delete -k ${folder} --ignore-not-found${flags}`);
}

/** Every CloudFormation stack of a target, in the order the renderer made them (a stack before the one that needs its outputs). */
export function stacksInOrder(walkthrough: Walkthrough, target: KubernetesTarget): TemplateFile[] {
  const found = new Map<string, TemplateFile>();
  for (const cluster of walkthrough.clusters) {
    for (const output of clusterOutputs(walkthrough, target, cluster)) {
      for (const template of output.templates) if (!found.has(`${template.cluster}/${template.file}`)) found.set(`${template.cluster}/${template.file}`, template);
    }
  }
  return [...found.values()];
}

export function accountNote(walkthrough: Walkthrough, template: TemplateFile): string {
  if (walkthrough.clusters.length < 2) return '';
  return `   # the ${walkthrough.clusters.find((c) => c.name === template.cluster)!.account} account`;
}

function resourcesOf(walkthrough: Walkthrough, cluster: Cluster) {
  return walkthrough.steps.flatMap((s) => stateAt(walkthrough, s.name).find((c) => c.name === cluster.name)!.resources);
}

/** Kong's CRDs (KongPlugin, KongConsumer), where a walkthrough runs Kong: this repository renders Kong itself, not its CRDs. */
function usesKongCrds(walkthrough: Walkthrough, cluster: Cluster): boolean {
  return resourcesOf(walkthrough, cluster).some((r) => r.kind === 'KongPlugin' || r.kind === 'KongConsumer');
}

function kongCrdLines(walkthrough: Walkthrough): string[] {
  const clusters = walkthrough.clusters.filter((c) => usesKongCrds(walkthrough, c));
  if (!clusters.length) return [];
  return [
    '# Kong’s CRDs (KongPlugin, KongConsumer): this repository renders Kong itself, not its CRDs',
    'helm repo add kong https://charts.konghq.com && helm repo update',
    ...clusters.map((c) => `helm show crds kong/kong | kubectl apply --server-side -f -${contextFlag(walkthrough, c)}`),
  ];
}

function kongCrdDeleteLines(walkthrough: Walkthrough, cluster: Cluster): string[] {
  if (!usesKongCrds(walkthrough, cluster)) return [];
  return [`helm show crds kong/kong | kubectl delete -f - --ignore-not-found${contextFlag(walkthrough, cluster)}`];
}

/** CloudWatch Transaction Search, which X-Ray's OTLP endpoint needs: X-Ray may write spans to CloudWatch Logs, then spans go there (the whole account). */
function transactionSearchLines(): string[] {
  const arn = (service: string, rest: string) => `arn:aws:${service}:'"$AWS_REGION"':'"$AWS_ACCOUNT_ID"':${rest}`;
  const policy = `{"Version":"2012-10-17","Statement":[{"Sid":"TransactionSearchXRayAccess","Effect":"Allow","Principal":{"Service":"xray.amazonaws.com"},"Action":"logs:PutLogEvents","Resource":["${arn('logs', 'log-group:aws/spans:*')}","${arn('logs', 'log-group:/aws/application-signals/data:*')}"],"Condition":{"ArnLike":{"aws:SourceArn":"${arn('xray', '*')}"},"StringEquals":{"aws:SourceAccount":"'"$AWS_ACCOUNT_ID"'"}}}]}`;
  return [
    '# CloudWatch Transaction Search, which X-Ray’s OTLP endpoint needs (once per account: it sends all of the account’s spans to CloudWatch Logs)',
    `aws logs put-resource-policy --policy-name TransactionSearchAccess --policy-document '${policy}'`,
    'aws xray update-trace-segment-destination --destination CloudWatchLogs',
  ];
}

function tracedNamespace(walkthrough: Walkthrough, cluster: Cluster): string | undefined {
  return ofKind(stateAt(walkthrough).find((c) => c.name === cluster.name)!.resources, 'Workload').find((w) => w.spec.proxyEnv?.ENABLE_ENVOY_XRAY_TRACING === '1')?.metadata.namespace;
}

/** The cluster the checks call (its entries' load balancers), where a walkthrough spans two. */
function checkedCluster(walkthrough: Walkthrough): Cluster | undefined {
  if (walkthrough.clusters.length < 2) return undefined;
  const names = new Set(walkthrough.entries.map((e) => e.cluster ?? walkthrough.clusters[0]!.name));
  return names.size === 1 ? walkthrough.clusters.find((c) => names.has(c.name)) : undefined;
}

function useContextForChecks(walkthrough: Walkthrough): string[] {
  const cluster = checkedCluster(walkthrough);
  return cluster ? [`kubectl config use-context "$${contextVariable(cluster)}"   # the checks call the ${cluster.name} cluster`] : [];
}

export function istioCommands(walkthrough: Walkthrough): TargetCommands {
  const multi = walkthrough.clusters.length > 1;
  const kube = (c: Cluster) => contextFlag(walkthrough, c);
  const helm = (c: Cluster) => contextFlag(walkthrough, c, '--kube-context');

  const install: string[] = ['helm repo add istio https://istio-release.storage.googleapis.com/charts && helm repo update', ...kongCrdLines(walkthrough)];
  if (multi) {
    install.push(
      `# Both clusters trust one root CA: an intermediate CA per cluster, made with the tools of Istio's release`,
      contextsExport(walkthrough),
      `curl -L https://istio.io/downloadIstio | ISTIO_VERSION=${ISTIO_VERSION} sh - && export PATH="$PWD/istio-${ISTIO_VERSION}/bin:$PATH"`,
      `mkdir -p istio-${ISTIO_VERSION}/certs && cd istio-${ISTIO_VERSION}/certs`,
      'make -f ../tools/certs/Makefile.selfsigned.mk root-ca',
      ...walkthrough.clusters.flatMap((c) => [
        `make -f ../tools/certs/Makefile.selfsigned.mk ${c.name}-cacerts`,
        `kubectl create namespace istio-system${kube(c)}`,
        `kubectl label namespace istio-system topology.istio.io/network=${istioNetwork(c)}${kube(c)}   # the network istiod puts this cluster's workloads on`,
        `kubectl -n istio-system create secret generic cacerts --from-file=${c.name}/ca-cert.pem --from-file=${c.name}/ca-key.pem --from-file=${c.name}/root-cert.pem --from-file=${c.name}/cert-chain.pem${kube(c)}`,
      ]),
      'cd ../..',
    );
  }
  for (const cluster of walkthrough.clusters) {
    const folder = targetFolder(walkthrough, 'istio', cluster);
    if (multi) install.push(`# The ${cluster.name} cluster`);
    if (tracedNamespace(walkthrough, cluster)) install.push(oidcProvider(cluster));
    install.push(
      `helm install istio-base istio/base -n istio-system --create-namespace --version ${ISTIO_VERSION} --set defaultRevision=default${helm(cluster)}`,
      `helm install istiod istio/istiod -n istio-system --version ${ISTIO_VERSION} -f ${folder}/istiod-values.yaml --wait${helm(cluster)}`,
    );
  }

  const deploy: string[] = [];
  const stacks = stacksInOrder(walkthrough, ISTIO_TARGET);
  if (stacks.length) {
    deploy.push(`# AWS resources (CloudFormation), in this order${multi ? ', each with its account’s credentials' : ''}`, ...stacks.map((t) => `${templateDeployCommand(walkthrough, 'istio', t)}${accountNote(walkthrough, t)}`));
  }
  for (const cluster of walkthrough.clusters) {
    const folder = targetFolder(walkthrough, 'istio', cluster);
    if (multi) deploy.push(`# ---- ${cluster.title}${contextNote(walkthrough, cluster)}`);
    deploy.push(...settingsExports(walkthrough, 'istio', cluster), ...imageLines(walkthrough, cluster, folder));
    const traced = tracedNamespace(walkthrough, cluster);
    if (traced) {
      deploy.push(
        '# The collector’s IAM role (IRSA)',
        `eksctl create iamserviceaccount --cluster ${cluster.clusterName} --namespace ${traced} --name ${COLLECTOR} --role-name ${collectorRoleName(walkthrough)} --role-only ${ADOT_MANAGED_POLICIES.map((p) => `--attach-policy-arn ${p}`).join(' ')} --approve`,
        ...transactionSearchLines(),
      );
    }
    deploy.push(`kubectl apply -k ${folder}${kube(cluster)}`);
  }
  if (multi) {
    const [a, b] = walkthrough.clusters as [Cluster, Cluster];
    deploy.push(
      '# Each control plane reads the other cluster’s Services (needs both clusters’ credentials)',
      `istioctl create-remote-secret --context="$${contextVariable(a)}" --name=${a.name} | kubectl apply -f - --context="$${contextVariable(b)}"`,
      `istioctl create-remote-secret --context="$${contextVariable(b)}" --name=${b.name} | kubectl apply -f - --context="$${contextVariable(a)}"`,
      ...useContextForChecks(walkthrough),
    );
  }

  const clean: string[] = multi ? [contextsExport(walkthrough)] : [];
  for (const cluster of [...walkthrough.clusters].reverse()) {
    if (multi) clean.push(`# ---- ${cluster.title}`);
    clean.push(
      ...deleteLines(walkthrough, ISTIO_TARGET, cluster, kube(cluster)),
      `helm uninstall istiod -n istio-system${helm(cluster)} && helm uninstall istio-base -n istio-system${helm(cluster)}`,
      `kubectl delete namespace istio-system${kube(cluster)}`,
      `kubectl get crd -o name${kube(cluster)} | grep '\\.istio\\.io$' | xargs -r kubectl delete${kube(cluster)}   # Helm keeps Istio's CRDs`,
      ...kongCrdDeleteLines(walkthrough, cluster),
    );
    const traced = tracedNamespace(walkthrough, cluster);
    if (traced) {
      clean.push(
        `eksctl delete iamserviceaccount --cluster ${cluster.clusterName} --namespace ${traced} --name ${COLLECTOR} --wait`,
        '# Transaction Search stays on for the account; to send spans to X-Ray again: aws xray update-trace-segment-destination --destination XRay',
      );
    }
  }
  if (stacks.length) {
    clean.push('# AWS resources, newest first', ...[...stacks].reverse().map((t) => `aws cloudformation delete-stack --stack-name ${t.stackName}${accountNote(walkthrough, t)}`));
  }
  if (multi) clean.push(`rm -rf istio-${ISTIO_VERSION}   # Istio's release, with the root CA's key`);
  return { install, deploy, clean };
}

interface CrossAccountRecord {
  caller: Cluster;
  owner: Cluster;
  host: string;
  namespace: string;
  route: string;
}

/** The Lattice services a cluster calls that another account's controller made: ExternalDNS only sees its own cluster, so their records are added by hand. */
function crossAccountRecords(walkthrough: Walkthrough): CrossAccountRecord[] {
  const records: CrossAccountRecord[] = [];
  for (const cluster of walkthrough.clusters) {
    const graph = new MeshGraph(walkthrough, cluster.name, stateAt(walkthrough).find((c) => c.name === cluster.name)!.resources, stateAt(walkthrough));
    for (const node of graph.nodes) {
      for (const backend of graph.backendsOf(node).filter((b) => b.graph.cluster !== cluster.name)) {
        const owner = walkthrough.clusters.find((c) => c.name === backend.graph.cluster)!;
        records.push({ caller: cluster, owner, host: latticeHost(walkthrough, backend.vs), namespace: backend.vs.metadata.namespace!, route: backend.vs.metadata.name });
      }
    }
  }
  return records;
}

function recordLines(walkthrough: Walkthrough, record: CrossAccountRecord, action: 'UPSERT' | 'DELETE'): string[] {
  const read = `LATTICE_NAME=$(kubectl --context "$${contextVariable(record.owner)}" -n ${record.namespace} get httproute ${record.route} -o jsonpath='{.metadata.annotations.application-networking\\.k8s\\.aws/lattice-assigned-domain-name}')`;
  return [
    action === 'UPSERT' ? `until ${read} && [ -n "$LATTICE_NAME" ]; do sleep 10; done   # the controller writes the name once the Lattice service exists` : read,
    `# with the ${record.caller.account} account’s credentials: the zone is that account’s`,
    `aws route53 change-resource-record-sets --hosted-zone-id "$(${SHELL.outputHelper} ${walkthrough.name}-lattice-dns HostedZoneId)" --change-batch '{"Changes":[{"Action":"${action}","ResourceRecordSet":{"Name":"${record.host}","Type":"CNAME","TTL":300,"ResourceRecords":[{"Value":"'"$LATTICE_NAME"'"}]}}]}'`,
  ];
}

/** The account that shares the service network (it goes first: the other accepts the share). */
function networkOwnerCluster(walkthrough: Walkthrough): Cluster | undefined {
  if (walkthrough.clusters.length < 2) return undefined;
  return walkthrough.clusters.find((c) => stateAt(walkthrough).find((s) => s.name === c.name)!.resources.some((r) => r.kind === 'ResourceShare'));
}

/** ExternalDNS runs where the private zone is: in the cluster whose VPC calls the Lattice services. */
function runsExternalDns(stacks: readonly TemplateFile[], cluster: Cluster): boolean {
  return stacks.some((t) => t.cluster === cluster.name && t.file === 'cloudformation/dns.yaml');
}

const LATTICE_RELEASE_FILES = `https://raw.githubusercontent.com/aws/aws-application-networking-k8s/${LATTICE_CONTROLLER_VERSION}/files/controller-installation`;
const GATEWAY_API_INSTALL = `https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml`;

function latticeControllerPolicy(cluster: Cluster): string {
  return `${cluster.clusterName}-lattice-controller`;
}

function latticePrefixListRule(cluster: Cluster, verb: 'authorize' | 'revoke'): string[] {
  return [
    `PREFIX_LIST=$(aws ec2 describe-managed-prefix-lists --query "PrefixLists[?PrefixListName=='com.amazonaws.$AWS_REGION.vpc-lattice'].PrefixListId" --output text)`,
    `CLUSTER_SG=$(aws eks describe-cluster --name ${cluster.clusterName} --query cluster.resourcesVpcConfig.clusterSecurityGroupId --output text)`,
    `aws ec2 ${verb}-security-group-ingress --group-id "$CLUSTER_SG" --ip-permissions "PrefixListIds=[{PrefixListId=$PREFIX_LIST}],IpProtocol=-1"`,
  ];
}

export function latticeCommands(walkthrough: Walkthrough): TargetCommands {
  const multi = walkthrough.clusters.length > 1;
  const kube = (c: Cluster) => contextFlag(walkthrough, c);
  const helm = (c: Cluster) => contextFlag(walkthrough, c, '--kube-context');
  const domain = latticeDomain(walkthrough);
  const owner = networkOwnerCluster(walkthrough);
  const records = crossAccountRecords(walkthrough);
  const stacks = stacksInOrder(walkthrough, LATTICE_TARGET);

  const install: string[] = [...(multi ? [contextsExport(walkthrough)] : [])];
  for (const cluster of walkthrough.clusters) {
    if (multi) install.push(`# ---- ${cluster.title} (the ${cluster.account} account’s credentials)`);
    install.push(
      ...settingsExports(walkthrough, 'lattice', cluster),
      oidcProvider(cluster),
      `kubectl apply --server-side -f ${GATEWAY_API_INSTALL}${kube(cluster)}`,
      '# The controller, with the IAM policy of its release on its service account',
      `aws iam create-policy --policy-name ${latticeControllerPolicy(cluster)} --policy-document "$(curl -fsSL ${LATTICE_RELEASE_FILES}/recommended-inline-policy.json)"`,
      `eksctl create iamserviceaccount --cluster ${cluster.clusterName} --namespace aws-application-networking-system --name gateway-api-controller --attach-policy-arn "arn:aws:iam::$AWS_ACCOUNT_ID:policy/${latticeControllerPolicy(cluster)}" --approve`,
      `helm install gateway-api-controller oci://public.ecr.aws/aws-application-networking-k8s/aws-gateway-controller-chart --version=${LATTICE_CONTROLLER_VERSION} --namespace aws-application-networking-system --set serviceAccount.create=false --set serviceAccount.name=gateway-api-controller --set installExternalDNSCRD=true${helm(cluster)}`,
      `kubectl apply -f ${LATTICE_RELEASE_FILES}/gatewayclass.yaml${kube(cluster)}`,
      '# Lattice’s addresses reach the pods: the Lattice prefix list into the cluster security group',
      ...latticePrefixListRule(cluster, 'authorize'),
    );
  }
  install.push(...kongCrdLines(walkthrough));

  const deploy: string[] = [`export ${SHELL.vpc}=<the VPC of the cluster>${multi ? '   # in each cluster’s shell' : ''}`, STACK_OUTPUT_HELPER];
  for (const cluster of owner ? [owner, ...walkthrough.clusters.filter((c) => c !== owner)] : walkthrough.clusters) {
    const folder = targetFolder(walkthrough, 'lattice', cluster);
    if (multi) deploy.push(`# ---- ${cluster.title}${contextNote(walkthrough, cluster)}`);
    deploy.push(...settingsExports(walkthrough, 'lattice', cluster), ...imageLines(walkthrough, cluster, folder));
    const here = stacks.filter((t) => t.cluster === cluster.name);
    if (here.length) deploy.push('# AWS resources (CloudFormation)', ...here.map((t) => templateDeployCommand(walkthrough, 'lattice', t)));
    if (runsExternalDns(stacks, cluster)) {
      deploy.push(
        '# ExternalDNS, writing each HTTPRoute’s name (a DNSEndpoint the controller makes) into the private zone, and removing it with the route',
        `eksctl create iamserviceaccount --cluster ${cluster.clusterName} --namespace external-dns --name external-dns --role-name ${walkthrough.name}-external-dns --attach-policy-arn "$(${SHELL.outputHelper} ${walkthrough.name}-lattice-dns ExternalDnsPolicyArn)" --approve`,
        'helm repo add external-dns https://kubernetes-sigs.github.io/external-dns/ && helm repo update',
        `helm install external-dns external-dns/external-dns --version ${EXTERNAL_DNS_CHART_VERSION} -n external-dns --set serviceAccount.create=false --set serviceAccount.name=external-dns --set provider.name=aws --set policy=sync --set txtOwnerId=${walkthrough.name} --set 'sources={crd}' --set 'domainFilters={${domain}}' --set 'extraArgs={--aws-zone-type=private,--crd-source-apiversion=externaldns.k8s.io/v1alpha1,--crd-source-kind=DNSEndpoint}'${helm(cluster)}`,
      );
    }
    if (owner && cluster !== owner) {
      deploy.push(
        `# Accept the service network ${owner.name} shares (its Gateway here has the same name); within one AWS Organization RAM may have accepted it already`,
        `INVITATION=$(aws ram get-resource-share-invitations --query "resourceShareInvitations[?status=='PENDING'].resourceShareInvitationArn | [0]" --output text)`,
        `[ "$INVITATION" = None ] || aws ram accept-resource-share-invitation --resource-share-invitation-arn "$INVITATION"`,
      );
    }
    deploy.push(`kubectl apply -k ${folder}${kube(cluster)}`);
  }
  for (const record of records) {
    deploy.push(`# ---- The ${record.owner.name} account’s controller named the Lattice service ${record.host}; the ${record.caller.name} VPC’s zone needs its record (ExternalDNS sees only its own cluster)`, ...recordLines(walkthrough, record, 'UPSERT'));
  }
  deploy.push(...useContextForChecks(walkthrough));

  const clean: string[] = [...(multi ? [contextsExport(walkthrough)] : []), STACK_OUTPUT_HELPER];
  for (const record of records) clean.push(`# ---- The record added by hand, while the route that names its target still exists`, ...recordLines(walkthrough, record, 'DELETE'));
  for (const cluster of [...walkthrough.clusters].reverse()) {
    if (multi) clean.push(`# ---- ${cluster.title} (the ${cluster.account} account’s credentials)`);
    clean.push(...settingsExports(walkthrough, 'lattice', cluster).slice(1), ...deleteLines(walkthrough, LATTICE_TARGET, cluster, kube(cluster)));
    if (runsExternalDns(stacks, cluster)) {
      clean.push(
        '# ExternalDNS removes the deleted routes’ records; the zone must be empty before its stack goes',
        `until [ "$(aws route53 list-resource-record-sets --hosted-zone-id "$(${SHELL.outputHelper} ${walkthrough.name}-lattice-dns HostedZoneId)" --query "length(ResourceRecordSets[?Type!='SOA' && Type!='NS'])")" = 0 ]; do sleep 10; done`,
        `helm uninstall external-dns -n external-dns${helm(cluster)}`,
        `eksctl delete iamserviceaccount --cluster ${cluster.clusterName} --namespace external-dns --name external-dns --wait`,
      );
    }
    for (const t of stacks.filter((x) => x.cluster === cluster.name).reverse()) clean.push(`aws cloudformation delete-stack --stack-name ${t.stackName}`);
    clean.push(
      '# The controller and the Gateway API, if you installed them for this walkthrough only',
      `kubectl delete -f ${LATTICE_RELEASE_FILES}/gatewayclass.yaml --ignore-not-found${kube(cluster)}`,
      `helm uninstall gateway-api-controller -n aws-application-networking-system${helm(cluster)}`,
      `eksctl delete iamserviceaccount --cluster ${cluster.clusterName} --namespace aws-application-networking-system --name gateway-api-controller --wait`,
      `aws iam delete-policy --policy-arn "arn:aws:iam::$AWS_ACCOUNT_ID:policy/${latticeControllerPolicy(cluster)}"`,
      `kubectl delete -f ${GATEWAY_API_INSTALL} --ignore-not-found${kube(cluster)}`,
      ...latticePrefixListRule(cluster, 'revoke'),
      ...kongCrdDeleteLines(walkthrough, cluster),
    );
  }
  return { install, deploy, clean };
}

export function serviceConnectCommands(walkthrough: Walkthrough): TargetCommands {
  const stacks = serviceConnectStacks(walkthrough);
  const base = stacks.find((s) => s.role === 'base')!;
  const services = stacks.find((s) => s.role === 'services')!;
  const apps = walkthrough.clusters.flatMap((c) => appsOf(walkthrough, c));
  return {
    install: [],
    deploy: [...ecsShellSetup(walkthrough), '# Cluster, namespace, roles, log group, security groups', serviceConnectDeployCommand(base), '# The images', ...ecrPushLines(apps), '# Tasks, services and the load balancer', serviceConnectDeployCommand(services)],
    clean: [
      ...[services, base].map((s) => `aws cloudformation delete-stack --stack-name ${s.stackName} && aws cloudformation wait stack-delete-complete --stack-name ${s.stackName}`),
      ...apps.map((app) => `aws ecr delete-repository --repository-name amw/${app} --force`),
    ],
  };
}

export function targetCommands(walkthrough: Walkthrough, target: LiveTarget): TargetCommands {
  if (target === 'istio') return istioCommands(walkthrough);
  if (target === 'lattice') return latticeCommands(walkthrough);
  return serviceConnectCommands(walkthrough);
}
