/**
 * The guides' sections for the live targets, rendered from the renderers themselves: what to install
 * (and which versions), the commands in the order they must run, each step's checks with what to
 * expect on that target (predicted from the rendered files, see migrate/checks.ts), the clean-up
 * (one `kubectl delete -k` per folder, newest first), and the migration report.
 *
 *   <!-- generated:target target=istio|lattice|service-connect -->
 *   <!-- generated:cleanup -->        App Mesh on EKS: one delete per folder, newest first
 */
import { targetChecks, type TargetCheck } from '../../migrate/checks.js';
import { formatReportMarkdown } from '../../migrate/report.js';
import { migrationReport } from '../../migrate/targets.js';
import { isOurApp } from '../../model/components.js';
import { ofKind, stateAt, stepIndex } from '../../model/state.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import { APPMESH_TARGET } from '../eks/index.js';
import { ecrPushLines, ecsShellSetup } from '../ecs/docs.js';
import { SHELL, STACK_OUTPUT_HELPER } from '../ecs/index.js';
import { ADOT_MANAGED_POLICIES, collectorRoleName, COLLECTOR } from '../istio/observability.js';
import { ISTIO_TARGET, ISTIO_VERSION } from '../istio/index.js';
import { applyFolders, clusterOutputs, clusterTemplates, templateDeployCommand, type KubernetesTarget } from '../kubernetes/target-tree.js';
import { GATEWAY_API_VERSION, LATTICE_CONTROLLER_VERSION, LATTICE_TARGET, latticeDomain, latticeHost } from '../lattice/index.js';
import { isTarget, LIVE_TARGETS, liveTargetsOf, targetFolder, targetRoot, TARGET_TITLES } from '../layout.js';
import { generatedHeader, type RenderedFile } from '../files.js';
import { MeshGraph } from '../mesh-graph.js';
import { serviceConnectDeployCommand, serviceConnectStacks, TLS_PARAMETER } from '../service-connect/index.js';
import { checkCommand, checkMarkdown } from './commands.js';

type Attributes = Record<string, string>;

function sh(lines: readonly string[]): string {
  return '```sh\n' + lines.join('\n') + '\n```\n';
}

const KUBERNETES: Record<'appmesh' | 'istio' | 'lattice', KubernetesTarget> = { appmesh: APPMESH_TARGET, istio: ISTIO_TARGET, lattice: LATTICE_TARGET };

function contextNote(walkthrough: Walkthrough, cluster: Cluster): string {
  return walkthrough.clusters.length > 1 ? ` (${cluster.title}: kubectl’s context set to it, the ${cluster.account} account’s credentials)` : '';
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
export function deleteLines(walkthrough: Walkthrough, target: KubernetesTarget, cluster: Cluster): string[] {
  return applyFolders(walkthrough, target, cluster)
    .reverse()
    .map((folder) => `kubectl delete -k ${folder} --ignore-not-found`);
}

/** A step's checks; `shown` holds the setup lines earlier steps printed, so each is printed once. */
function checksMarkdown(checks: readonly TargetCheck[], walkthrough: Walkthrough, step: string, shown: Set<string>): string {
  const here = checks.filter((c) => (c.check.step ?? walkthrough.steps[0]!.name) === step);
  if (!here.length) return '';
  const setups = [...new Set(here.map((c) => c.setup).filter((s): s is string => !!s && !shown.has(s)))];
  for (const setup of setups) shown.add(setup);
  const parts: string[] = [];
  if (setups.length) parts.push(sh(setups));
  for (const c of here) {
    if (c.status === 'unavailable') {
      parts.push(`**${c.check.title}**\n\nNot on this target: ${c.note}\n`);
      continue;
    }
    // App Mesh's own explanation names App Mesh's objects: a target's check says only how it differs.
    const { explain: _appMesh, ...check } = c.expect ? { ...c.check, expect: c.expect } : c.check;
    const command = checkCommand(walkthrough, check, () => c.command!);
    const text = checkMarkdown({ ...check, ...(c.note ? { explain: c.note } : {}) }, command);
    parts.push(c.status === 'differs' ? text.replace(/^Expected:/m, 'Expected (differs from App Mesh):') : text);
  }
  return parts.join('\n');
}

/** The steps, each with the folder it applies (when it changes anything on this target) and its checks. */
function stepsMarkdown(walkthrough: Walkthrough, target: 'istio' | 'lattice', checks: readonly TargetCheck[]): string {
  const kubernetes = KUBERNETES[target];
  const parts: string[] = [];
  const shown = new Set<string>();
  walkthrough.steps.forEach((step, i) => {
    parts.push(`#### Step ${i + 1}: ${step.title} (\`${step.name}\`)\n`);
    if (i > 0) {
      const folders = walkthrough.clusters.flatMap((cluster) => {
        const outputs = clusterOutputs(walkthrough, kubernetes, cluster);
        return outputs[i]!.changed.length ? [`kubectl apply -k ${targetFolder(walkthrough, target, cluster)}/steps/${i}-${step.name}${contextNote(walkthrough, cluster) ? `   # ${cluster.name} cluster` : ''}`] : [];
      });
      parts.push(folders.length ? sh(folders) : `Nothing changes on ${TARGET_TITLES[target]} at this step.\n`);
    }
    const text = checksMarkdown(checks, walkthrough, step.name, shown);
    if (text) parts.push(text);
  });
  return parts.join('\n');
}

function stackLines(walkthrough: Walkthrough, target: KubernetesTarget, cluster: Cluster): string[] {
  return clusterTemplates(walkthrough, target, clusterOutputs(walkthrough, target, cluster))
    .filter((t) => t.cluster === cluster.name)
    .map((t) => templateDeployCommand(walkthrough, target.target, t));
}

function istioInstall(walkthrough: Walkthrough, cluster: Cluster): string[] {
  const folder = targetFolder(walkthrough, 'istio', cluster);
  const context = walkthrough.clusters.length > 1 ? ` --kube-context "$${cluster.name.toUpperCase()}_CONTEXT"` : '';
  return [
    `helm install istio-base istio/base -n istio-system --create-namespace --version ${ISTIO_VERSION} --set defaultRevision=default${context}`,
    `helm install istiod istio/istiod -n istio-system --version ${ISTIO_VERSION} -f ${folder}/istiod-values.yaml --wait${context}`,
  ];
}

function istioSection(walkthrough: Walkthrough): string {
  const report = migrationReport(walkthrough, 'istio');
  const checks = targetChecks(walkthrough, 'istio', report);
  const multi = walkthrough.clusters.length > 1;
  const observed = walkthrough.clusters.filter((c) => stateAt(walkthrough).find((s) => s.name === c.name)!.resources.some((r) => r.kind === 'Workload' && (r.spec.proxyEnv?.ENABLE_ENVOY_XRAY_TRACING === '1' || r.spec.proxyEnv?.ENABLE_ENVOY_DOG_STATSD === '1')));
  const parts: string[] = [];
  parts.push(
    `**You need** ${multi ? 'two EKS clusters' : 'an EKS cluster'} (or any Kubernetes 1.31 or later), kubectl, Helm 3, the AWS CLI${observed.length ? ', eksctl' : ''} and Docker. Istio ${ISTIO_VERSION} is installed with its Helm charts; the values file carries what this walkthrough needs from the control plane${observed.length ? ' (the collector as tracing provider)' : ''}${multi ? ' and each cluster’s place in the mesh (mesh ID, cluster name, network)' : ''}.\n`,
  );
  const lines: string[] = ['helm repo add istio https://istio-release.storage.googleapis.com/charts && helm repo update'];
  if (multi) {
    const names = walkthrough.clusters.map((c) => c.name);
    lines.push(
      `# Both clusters trust one root CA: an intermediate CA per cluster, from Istio's release (tools/certs)`,
      `export ${names.map((n) => `${n.toUpperCase()}_CONTEXT=<kubectl context of the ${n} cluster>`).join(' ')}`,
      `curl -L https://istio.io/downloadIstio | ISTIO_VERSION=${ISTIO_VERSION} sh - && mkdir -p istio-${ISTIO_VERSION}/certs && cd istio-${ISTIO_VERSION}/certs`,
      'make -f ../tools/certs/Makefile.selfsigned.mk root-ca',
      ...names.flatMap((n) => [
        `make -f ../tools/certs/Makefile.selfsigned.mk ${n}-cacerts`,
        `kubectl --context "$${n.toUpperCase()}_CONTEXT" create namespace istio-system`,
        `kubectl --context "$${n.toUpperCase()}_CONTEXT" -n istio-system create secret generic cacerts --from-file=${n}/ca-cert.pem --from-file=${n}/ca-key.pem --from-file=${n}/root-cert.pem --from-file=${n}/cert-chain.pem`,
      ]),
      'cd ../..',
    );
  }
  for (const cluster of walkthrough.clusters) lines.push(...(multi ? [`# The ${cluster.name} cluster`] : []), ...istioInstall(walkthrough, cluster));
  parts.push(sh(lines));
  const deploy: string[] = [];
  for (const cluster of walkthrough.clusters) {
    const folder = targetFolder(walkthrough, 'istio', cluster);
    if (multi) deploy.push(`# ---- ${cluster.title}${contextNote(walkthrough, cluster)}`);
    deploy.push(`# Your account, region and registry, once: edit ${folder}/settings/settings.env`);
    deploy.push(...imageLines(walkthrough, cluster, folder));
    const stacks = stackLines(walkthrough, ISTIO_TARGET, cluster);
    if (stacks.length) deploy.push('# AWS resources (CloudFormation)', ...stacks);
    if (observed.includes(cluster)) {
      const namespace = ofKind(stateAt(walkthrough).find((c) => c.name === cluster.name)!.resources, 'Workload').find((w) => w.spec.proxyEnv?.ENABLE_ENVOY_XRAY_TRACING === '1')?.metadata.namespace ?? 'default';
      deploy.push(
        '# The collector’s IAM role (IRSA), and CloudWatch Transaction Search, which X-Ray’s OTLP endpoint needs (once per account)',
        `eksctl create iamserviceaccount --cluster ${cluster.clusterName} --namespace ${namespace} --name ${COLLECTOR} --role-name ${collectorRoleName(walkthrough)} --role-only ${ADOT_MANAGED_POLICIES.map((p) => `--attach-policy-arn ${p}`).join(' ')} --approve`,
        'aws xray update-trace-segment-destination --destination CloudWatchLogs   # after the logs resource policy the Transaction Search guide gives',
      );
    }
    deploy.push(`kubectl apply -k ${folder}`);
  }
  if (multi) {
    const [a, b] = walkthrough.clusters;
    deploy.push(
      '# Each control plane reads the other cluster’s Services (needs both clusters’ credentials)',
      `istioctl create-remote-secret --context="$${a!.name.toUpperCase()}_CONTEXT" --name=${a!.name} | kubectl apply -f - --context="$${b!.name.toUpperCase()}_CONTEXT"`,
      `istioctl create-remote-secret --context="$${b!.name.toUpperCase()}_CONTEXT" --name=${b!.name} | kubectl apply -f - --context="$${a!.name.toUpperCase()}_CONTEXT"`,
    );
  }
  parts.push('**Deploy.**\n', sh(deploy));
  parts.push('Every pod shows `2/2` (the app and Istio’s proxy); the gateway pods `1/1`: they *are* the proxy.\n');
  parts.push('**Check it, step by step.**\n', stepsMarkdown(walkthrough, 'istio', checks));
  const clean: string[] = [];
  for (const cluster of [...walkthrough.clusters].reverse()) {
    if (multi) clean.push(`# ---- ${cluster.title}`);
    clean.push(...deleteLines(walkthrough, ISTIO_TARGET, cluster));
    const context = multi ? ` --kube-context "$${cluster.name.toUpperCase()}_CONTEXT"` : '';
    clean.push(`helm uninstall istiod -n istio-system${context} && helm uninstall istio-base -n istio-system${context}`);
    if (observed.includes(cluster)) clean.push(`eksctl delete iamserviceaccount --cluster ${cluster.clusterName} --namespace ${ofKind(stateAt(walkthrough).find((c) => c.name === cluster.name)!.resources, 'Workload').find((w) => w.spec.proxyEnv?.ENABLE_ENVOY_XRAY_TRACING === '1')?.metadata.namespace} --name ${COLLECTOR}`);
    for (const t of clusterTemplates(walkthrough, ISTIO_TARGET, clusterOutputs(walkthrough, ISTIO_TARGET, cluster)).filter((x) => x.cluster === cluster.name).reverse()) {
      clean.push(`aws cloudformation delete-stack --stack-name ${t.stackName}`);
    }
  }
  parts.push('**Clean up.** Newest folder first, one `kubectl delete -k` each:\n', sh(clean));
  parts.push('**What the migration keeps.**\n', formatReportMarkdown(report, walkthrough));
  return parts.join('\n');
}

/** The CNAME a cross-account caller's zone needs for a Lattice service another account's controller made. */
function crossAccountRecords(walkthrough: Walkthrough): string[] {
  const lines: string[] = [];
  for (const cluster of walkthrough.clusters) {
    const graph = new MeshGraph(walkthrough, cluster.name, stateAt(walkthrough).find((c) => c.name === cluster.name)!.resources, stateAt(walkthrough));
    for (const node of graph.nodes) {
      for (const backend of graph.backendsOf(node).filter((b) => b.graph.cluster !== cluster.name)) {
        const host = latticeHost(walkthrough, backend.vs);
        const zoneStack = `${walkthrough.name}-lattice-dns`;
        lines.push(
          `# The ${backend.graph.cluster} account's controller named the Lattice service; the ${cluster.name} VPC's zone needs the record (ExternalDNS only sees its own cluster)`,
          `LATTICE_NAME=$(kubectl --context "$${backend.graph.cluster.toUpperCase()}_CONTEXT" -n ${backend.vs.metadata.namespace} get httproute ${backend.vs.metadata.name} -o jsonpath='{.metadata.annotations.application-networking\\.k8s\\.aws/lattice-assigned-domain-name}')`,
          `aws route53 change-resource-record-sets --hosted-zone-id "$(${SHELL.outputHelper} ${zoneStack} HostedZoneId)" --change-batch '{"Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"${host}","Type":"CNAME","TTL":300,"ResourceRecords":[{"Value":"'"$LATTICE_NAME"'"}]}}]}'`,
        );
      }
    }
  }
  return lines;
}

function latticeSection(walkthrough: Walkthrough): string {
  const report = migrationReport(walkthrough, 'lattice');
  const checks = targetChecks(walkthrough, 'lattice', report);
  const multi = walkthrough.clusters.length > 1;
  const domain = latticeDomain(walkthrough);
  const parts: string[] = [];
  parts.push(
    `**You need** ${multi ? 'two EKS clusters' : 'an EKS cluster'} (Kubernetes 1.31 or later), kubectl, Helm 3, the AWS CLI, eksctl and Docker; the Gateway API ${GATEWAY_API_VERSION} CRDs (standard channel) and the AWS Gateway API Controller ${LATTICE_CONTROLLER_VERSION}${multi ? ' in each cluster' : ''}, with the IAM policy of its release given through EKS Pod Identity (https://github.com/aws/aws-application-networking-k8s/blob/${LATTICE_CONTROLLER_VERSION}/docs/guides/deploy.md); and ExternalDNS, which writes each Lattice service’s name into the private zone ${domain}. Lattice’s addresses must reach the pods: the cluster security group takes the Lattice prefix list. (The controller is built against Gateway API v1.5; the Gateway and HTTPRoute fields rendered here exist unchanged since v1.0.)\n`,
  );
  const install: string[] = [
    `kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml`,
    `helm install gateway-api-controller oci://public.ecr.aws/aws-application-networking-k8s/aws-gateway-controller-chart --version=${LATTICE_CONTROLLER_VERSION} --namespace aws-application-networking-system --create-namespace --set serviceAccount.name=gateway-api-controller --set installExternalDNSCRD=true`,
    `kubectl apply -f https://raw.githubusercontent.com/aws/aws-application-networking-k8s/${LATTICE_CONTROLLER_VERSION}/files/controller-installation/gatewayclass.yaml`,
    `PREFIX_LIST=$(aws ec2 describe-managed-prefix-lists --query "PrefixLists[?PrefixListName=='com.amazonaws.$AWS_REGION.vpc-lattice'].PrefixListId" --output text)`,
    ...walkthrough.clusters.flatMap((cluster) => [
      `CLUSTER_SG=$(aws eks describe-cluster --name ${cluster.clusterName} --query cluster.resourcesVpcConfig.clusterSecurityGroupId --output text)${multi ? `   # with the ${cluster.account} account's credentials` : ''}`,
      `aws ec2 authorize-security-group-ingress --group-id "$CLUSTER_SG" --ip-permissions "PrefixListIds=[{PrefixListId=$PREFIX_LIST}],IpProtocol=-1"`,
    ]),
  ];
  parts.push(sh(install));
  const deploy: string[] = [`export ${SHELL.vpc}=<the VPC of the cluster>${multi ? '   # in each cluster’s shell' : ''}`, STACK_OUTPUT_HELPER];
  // The account that shares the service network goes first: the other accepts the share.
  const owner = walkthrough.clusters.find((c) => stateAt(walkthrough).find((s) => s.name === c.name)!.resources.some((r) => r.kind === 'ResourceShare'));
  for (const cluster of owner ? [owner, ...walkthrough.clusters.filter((c) => c !== owner)] : walkthrough.clusters) {
    const folder = targetFolder(walkthrough, 'lattice', cluster);
    if (multi) deploy.push(`# ---- ${cluster.title}${contextNote(walkthrough, cluster)}`);
    deploy.push(`# Your account, region and registry, once: edit ${folder}/settings/settings.env`);
    deploy.push(...imageLines(walkthrough, cluster, folder));
    const stacks = stackLines(walkthrough, LATTICE_TARGET, cluster);
    if (stacks.length) deploy.push('# AWS resources (CloudFormation)', ...stacks);
    if (stacks.some((s) => s.includes('lattice-dns')) && (!multi || owner === cluster || !owner)) {
      deploy.push(
        '# ExternalDNS, writing each HTTPRoute’s name (a DNSEndpoint the controller makes) into the private zone',
        `eksctl create iamserviceaccount --cluster ${cluster.clusterName} --namespace external-dns --name external-dns --role-name ${walkthrough.name}-external-dns --attach-policy-arn "$(${SHELL.outputHelper} ${walkthrough.name}-lattice-dns ExternalDnsPolicyArn)" --approve`,
        'helm repo add external-dns https://kubernetes-sigs.github.io/external-dns/ && helm repo update',
        `helm install external-dns external-dns/external-dns -n external-dns --set serviceAccount.create=false --set serviceAccount.name=external-dns --set provider.name=aws --set 'sources={crd}' --set 'domainFilters={${domain}}' --set 'extraArgs={--aws-zone-type=private,--crd-source-apiversion=externaldns.k8s.io/v1alpha1,--crd-source-kind=DNSEndpoint}'`,
      );
    }
    if (multi && owner && cluster !== owner) {
      deploy.push(
        `# Accept the service network ${owner.name} shares (its Gateway here has the same name)`,
        `aws ram accept-resource-share-invitation --resource-share-invitation-arn "$(aws ram get-resource-share-invitations --query "resourceShareInvitations[?status=='PENDING'].resourceShareInvitationArn | [0]" --output text)"`,
      );
    }
    deploy.push(`kubectl apply -k ${folder}`);
  }
  if (multi) deploy.push(...crossAccountRecords(walkthrough));
  parts.push('**Deploy.**\n', sh(deploy));
  parts.push('Every pod shows `1/1`: no proxy beside it. Each HTTPRoute’s annotation `application-networking.k8s.aws/lattice-assigned-domain-name` holds the name Lattice gave its service; the private zone maps the walkthrough’s names to it.\n');
  parts.push('**Check it, step by step.** There is no gateway: the checks run inside the VPC.\n', stepsMarkdown(walkthrough, 'lattice', checks));
  const clean: string[] = [];
  for (const cluster of [...walkthrough.clusters].reverse()) {
    if (multi) clean.push(`# ---- ${cluster.title}`);
    clean.push(...deleteLines(walkthrough, LATTICE_TARGET, cluster));
    for (const t of clusterTemplates(walkthrough, LATTICE_TARGET, clusterOutputs(walkthrough, LATTICE_TARGET, cluster)).filter((x) => x.cluster === cluster.name).reverse()) {
      clean.push(`aws cloudformation delete-stack --stack-name ${t.stackName}`);
    }
  }
  parts.push('**Clean up.** Newest folder first, one `kubectl delete -k` each (the controller then deletes the Lattice services and the service network it made):\n', sh(clean));
  parts.push('**What the migration keeps.**\n', formatReportMarkdown(report, walkthrough));
  return parts.join('\n');
}

function serviceConnectSection(walkthrough: Walkthrough): string {
  const report = migrationReport(walkthrough, 'service-connect');
  const checks = targetChecks(walkthrough, 'service-connect', report);
  const stacks = serviceConnectStacks(walkthrough);
  const base = stacks.find((s) => s.role === 'base')!;
  const services = stacks.find((s) => s.role === 'services')!;
  const apps = walkthrough.clusters.flatMap((c) => appsOf(walkthrough, c));
  const parts: string[] = [];
  parts.push(
    '**You need** the AWS CLI and Docker, and a VPC with public subnets in two Availability Zones (the default VPC will do) for the Application Load Balancer. Nothing to install: ECS adds Service Connect’s proxy to each task itself.\n',
  );
  parts.push('**Deploy.**\n', sh([...ecsShellSetup(walkthrough), '# Cluster, namespace, roles, log group, security groups', serviceConnectDeployCommand(base), '# The images', ...ecrPushLines(apps), '# Tasks, services and the load balancer', serviceConnectDeployCommand(services)]));
  const parts2: string[] = [];
  const shown = new Set<string>();
  walkthrough.steps.forEach((step, i) => {
    parts2.push(`#### Step ${i + 1}: ${step.title} (\`${step.name}\`)\n`);
    const tls = report.translations.filter((t) => t.use.feature === 'listener-tls');
    const turnedOn = tls.filter((t) => t.use.steps[0] === step.name);
    if (i > 0 && turnedOn.length) {
      const nodes = report.translations.filter((t) => t.use.feature === 'virtual-node').length;
      const onByNow = tls.filter((t) => stepIndex(walkthrough, t.use.steps[0]!) <= i).length;
      if (onByNow === nodes) {
        parts2.push(
          `Opt-in, and it costs money: an AWS Private CA is billed every month (short-lived mode costs least). With one tagged \`AmazonECSManaged=true\`, deploy the services again with its ARN: every Service Connect service then speaks TLS 1.3 with certificates from it.\n`,
          sh([serviceConnectDeployCommand(services, [[TLS_PARAMETER, '"<your Private CA ARN>"']])]),
        );
      } else {
        parts2.push('Not carried: Service Connect turns TLS on for every service of the stack at once, not node by node (see the report).\n');
      }
    } else if (i > 0) {
      parts2.push(`Nothing changes on ${TARGET_TITLES['service-connect']} at this step.\n`);
    }
    const text = checksMarkdown(checks, walkthrough, step.name, shown);
    if (text) parts2.push(text);
  });
  parts.push('**Check it, step by step.**\n', parts2.join('\n'));
  parts.push(
    '**Clean up.**\n',
    sh([
      ...[services, base].map((s) => `aws cloudformation delete-stack --stack-name ${s.stackName} && aws cloudformation wait stack-delete-complete --stack-name ${s.stackName}`),
      ...apps.map((app) => `aws ecr delete-repository --repository-name amw/${app} --force`),
    ]),
  );
  parts.push('**What the migration keeps.**\n', formatReportMarkdown(report, walkthrough));
  return parts.join('\n');
}

function targetBlock(walkthrough: Walkthrough, attrs: Attributes): string {
  const target = attrs.target;
  if (!target || !(LIVE_TARGETS as readonly string[]).includes(target)) throw new Error(`a target block needs target= one of ${LIVE_TARGETS.join(', ')}`);
  if (walkthrough.platform === 'eks' && target === 'service-connect') throw new Error(`${walkthrough.name} runs on EKS: its targets are istio and lattice`);
  if (walkthrough.platform === 'ecs' && target !== 'service-connect') throw new Error(`${walkthrough.name} runs on ECS: its target is service-connect`);
  const section = target === 'istio' ? istioSection(walkthrough) : target === 'lattice' ? latticeSection(walkthrough) : serviceConnectSection(walkthrough);
  return `${section.trimEnd()}\n`;
}

/** App Mesh on EKS: one delete per folder (kubectl takes one -k), newest first. */
function cleanupBlock(walkthrough: Walkthrough, attrs: Attributes): string {
  const target = attrs.target ?? 'appmesh';
  if (!isTarget(target) || target === 'service-connect' || walkthrough.platform !== 'eks') throw new Error('a cleanup block is for a Kubernetes target of an EKS walkthrough');
  const kubernetes = KUBERNETES[target];
  const lines = [...walkthrough.clusters].reverse().flatMap((cluster) => [
    ...(walkthrough.clusters.length > 1 ? [`# ${cluster.title}${contextNote(walkthrough, cluster)}`] : []),
    ...deleteLines(walkthrough, kubernetes, cluster),
  ]);
  return sh(lines);
}

export const TARGET_DOC_BLOCKS: Record<string, (w: Walkthrough, attrs: Attributes) => string> = {
  target: targetBlock,
  cleanup: cleanupBlock,
};


const SECTION_ANCHORS: Record<string, string> = { istio: 'on-istio', lattice: 'on-amazon-vpc-lattice', 'service-connect': 'on-ecs-service-connect' };

/** A README for each live target's folder: what it is, what to apply in which order, and the migration report. */
export function renderTargetReadmes(walkthrough: Walkthrough): RenderedFile[] {
  return liveTargetsOf(walkthrough).map((target) => {
    const root = targetRoot(walkthrough, target);
    const guide = `../../../docs/walkthroughs/${walkthrough.name}.md#${SECTION_ANCHORS[target]}`;
    const steps: string[] = [];
    if (target === 'service-connect') {
      for (const stack of serviceConnectStacks(walkthrough)) steps.push(`\`${stack.path.slice(root.length + 1)}\` as stack \`${stack.stackName}\``);
    } else {
      for (const cluster of walkthrough.clusters) {
        const prefix = walkthrough.clusters.length > 1 ? `${cluster.title}: ` : '';
        for (const template of stackLines(walkthrough, KUBERNETES[target], cluster)) steps.push(`${prefix}\`${template.replace(/ --parameter-overrides.*$/, '')}\``);
        for (const folder of applyFolders(walkthrough, KUBERNETES[target], cluster)) steps.push(`${prefix}\`kubectl apply -k ${folder}\``);
      }
    }
    const lines = [
      `# ${walkthrough.title} — ${TARGET_TITLES[target]}`,
      '',
      `<!-- ${generatedHeader(walkthrough.name).join(' ')} -->`,
      '',
      `The walkthrough rendered for ${TARGET_TITLES[target]} from its App Mesh definition. The guide's section, [${TARGET_TITLES[target]}](${guide}), gives what to install, every command in order, the checks with what they answer here, and the clean-up.`,
      '',
      '## In this order',
      '',
      ...steps.map((step, i) => `${i + 1}. ${step}`),
      '',
      '## What the migration keeps',
      '',
      formatReportMarkdown(migrationReport(walkthrough, target), walkthrough).trimEnd(),
      '',
    ];
    return { path: `${root}/README.md`, content: lines.join('\n') };
  });
}
