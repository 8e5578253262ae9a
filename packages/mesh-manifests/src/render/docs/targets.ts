/**
 * The guides' sections for the live targets, rendered from the renderers themselves: what to install
 * (and which versions), the commands in the order they must run, each step's checks with what to
 * expect on that target (predicted from the rendered files, see migrate/checks.ts), the clean-up
 * (one `kubectl delete -k` per folder, newest first), and the migration report.
 *
 *   <!-- generated:target target=istio|lattice|service-connect -->  (Istio and Lattice: with the local run of their files)
 *   <!-- generated:cleanup -->        App Mesh on EKS: one delete per folder, newest first
 */
import { targetChecks, type TargetCheck } from '../../migrate/checks.js';
import { formatReportMarkdown } from '../../migrate/report.js';
import { migrationReport } from '../../migrate/targets.js';
import { ofKind, stateAt, stepIndex } from '../../model/state.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import { CLOUDWATCH_AGENT_ACCOUNT, CLOUDWATCH_AGENT_NAMESPACE, usesCloudWatchAgent } from '../eks/cloudwatch-agent.js';
import { ISTIO_VERSION } from '../istio/index.js';
import { clusterOutputs, templateDeployCommand } from '../kubernetes/target-tree.js';
import { GATEWAY_API_VERSION, LATTICE_CONTROLLER_VERSION, latticeDomain } from '../lattice/index.js';
import { isTarget, LIVE_TARGETS, liveTargetsOf, targetFolder, targetRoot, TARGET_TITLES } from '../layout.js';
import { generatedHeader, type RenderedFile } from '../files.js';
import { serviceConnectDeployCommand, serviceConnectStacks, TLS_PARAMETER } from '../service-connect/index.js';
import { checkCommand, checkMarkdown } from './commands.js';
import { localTargetBlock } from './local-targets.js';
import { accountNote, contextFlag, contextNote, deleteLines, EXTERNAL_DNS_CHART_VERSION, istioCommands, KUBERNETES, latticeCommands, serviceConnectCommands, stacksInOrder, targetCommands } from './target-commands.js';

type Attributes = Record<string, string>;

function sh(lines: readonly string[]): string {
  return '```sh\n' + lines.join('\n') + '\n```\n';
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
    const text = checkMarkdown(check, command, 'en', c.note);
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
        return outputs[i]!.changed.length ? [`kubectl apply -k ${targetFolder(walkthrough, target, cluster)}/steps/${i}-${step.name}${contextFlag(walkthrough, cluster)}`] : [];
      });
      parts.push(folders.length ? sh(folders) : `Nothing changes on ${TARGET_TITLES[target]} at this step.\n`);
    }
    const text = checksMarkdown(checks, walkthrough, step.name, shown);
    if (text) parts.push(text);
  });
  return parts.join('\n');
}

/**
 * No cluster needed: the local mesh runs these very files (`--target`), with the same checks.
 * The verdicts below are what `check` prints when the files behave as the migration report says;
 * the local mesh's end-to-end tests hold a real run to them.
 */
function localRunMarkdown(walkthrough: Walkthrough, target: 'istio' | 'lattice'): string {
  const title = target === 'istio' ? 'Istio' : 'Lattice';
  const how =
    target === 'istio'
      ? 'a sidecar beside every injected pod and the ingress gateway, configured from the VirtualServices, DestinationRules, Sidecars and Telemetry above (mutual TLS between sidecars is not reproduced: they talk plain text on loopback, which PERMISSIVE accepts)'
      : 'beside every pod a proxy standing for its path into the VPC: the Lattice services of the service networks its cluster is associated with, by their names, with the rules, weights, target-group health checks and auth policies above, as the controller accepts them';
  return [
    `**Run it locally on ${title}.** No cluster needed: the local mesh reads the files above (what \`kubectl apply -k\` would send) and runs them through its proxies — ${how}. The same checks run at every step; a check ${title} cannot carry is *expected to differ*, with the reason, and shows what happens instead.\n`,
    localTargetBlock(walkthrough, target),
  ].join('\n');
}

function istioSection(walkthrough: Walkthrough): string {
  const report = migrationReport(walkthrough, 'istio');
  const checks = targetChecks(walkthrough, 'istio', report);
  const commands = istioCommands(walkthrough);
  const multi = walkthrough.clusters.length > 1;
  const observed = walkthrough.clusters.filter((c) => stateAt(walkthrough).find((s) => s.name === c.name)!.resources.some((r) => r.kind === 'Workload' && (r.spec.proxyEnv?.ENABLE_ENVOY_XRAY_TRACING === '1' || r.spec.proxyEnv?.ENABLE_ENVOY_DOG_STATSD === '1')));
  return [
    `**You need** ${multi ? 'two EKS clusters' : 'an EKS cluster'} (Kubernetes 1.31 or later), kubectl, Helm 3, the AWS CLI${observed.length ? ', eksctl' : ''} and Docker. Istio ${ISTIO_VERSION} is installed with its Helm charts; the values file carries what this walkthrough needs from the control plane${observed.length ? ' (the collector as tracing provider)' : ''}${multi ? ' and each cluster’s place in the mesh (mesh ID, cluster name, network)' : ''}.\n`,
    sh(commands.install),
    '**Deploy.**\n',
    sh(commands.deploy),
    'Every pod shows `2/2` (the app and Istio’s proxy); the gateway pods `1/1`: they *are* the proxy.\n',
    '**Check it, step by step.**\n',
    stepsMarkdown(walkthrough, 'istio', checks),
    '**Clean up.** Newest folder first, one `kubectl delete -k` each:\n',
    sh(commands.clean),
    localRunMarkdown(walkthrough, 'istio'),
    '**What the migration keeps.**\n',
    formatReportMarkdown(report, walkthrough),
  ].join('\n');
}

function latticeSection(walkthrough: Walkthrough): string {
  const report = migrationReport(walkthrough, 'lattice');
  const checks = targetChecks(walkthrough, 'lattice', report);
  const commands = latticeCommands(walkthrough);
  const multi = walkthrough.clusters.length > 1;
  return [
    `**You need** ${multi ? 'two EKS clusters' : 'an EKS cluster'} (Kubernetes 1.31 or later), kubectl, Helm 3, the AWS CLI, eksctl and Docker. The commands below install the Gateway API ${GATEWAY_API_VERSION} CRDs (standard channel) and the AWS Gateway API Controller ${LATTICE_CONTROLLER_VERSION}${multi ? ' in each cluster' : ''} with the IAM policy of its release on its service account, as its deploy guide does (https://github.com/aws/aws-application-networking-k8s/blob/${LATTICE_CONTROLLER_VERSION}/docs/guides/deploy.md); then ExternalDNS (chart ${EXTERNAL_DNS_CHART_VERSION}), which writes each Lattice service’s name into the private zone ${latticeDomain(walkthrough)}; and they let Lattice’s addresses reach the pods (the Lattice prefix list into the cluster security group). (The controller is built against Gateway API v1.5; the Gateway and HTTPRoute fields rendered here exist unchanged since v1.0.)\n`,
    sh(commands.install),
    '**Deploy.**\n',
    sh(commands.deploy),
    'Every pod shows `1/1`: no proxy beside it. Each HTTPRoute’s annotation `application-networking.k8s.aws/lattice-assigned-domain-name` holds the name Lattice gave its service; the private zone maps the walkthrough’s names to it.\n',
    '**Check it, step by step.** There is no gateway: the checks run inside the VPC.\n',
    stepsMarkdown(walkthrough, 'lattice', checks),
    '**Clean up.** Newest folder first, one `kubectl delete -k` each (the controller then deletes the Lattice services and the service network it made):\n',
    sh(commands.clean),
    localRunMarkdown(walkthrough, 'lattice'),
    '**What the migration keeps.**\n',
    formatReportMarkdown(report, walkthrough),
  ].join('\n');
}

function serviceConnectSection(walkthrough: Walkthrough): string {
  const report = migrationReport(walkthrough, 'service-connect');
  const checks = targetChecks(walkthrough, 'service-connect', report);
  const services = serviceConnectStacks(walkthrough).find((s) => s.role === 'services')!;
  const commands = serviceConnectCommands(walkthrough);
  const parts: string[] = [];
  parts.push(
    '**You need** the AWS CLI and Docker, and a VPC with public subnets in two Availability Zones (the default VPC will do) for the Application Load Balancer. Nothing to install: ECS adds Service Connect’s proxy to each task itself.\n',
  );
  parts.push('**Deploy.**\n', sh(commands.deploy));
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
    sh(commands.clean),
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

/** The service accounts a cluster ever has an IAM role for (IRSA), across every step. */
function irsaAccounts(walkthrough: Walkthrough, cluster: Cluster): { namespace: string; name: string }[] {
  const found = new Map<string, { namespace: string; name: string }>();
  for (const step of walkthrough.steps) {
    const resources = stateAt(walkthrough, step.name).find((c) => c.name === cluster.name)!.resources;
    for (const sa of ofKind(resources, 'ServiceAccountRole')) found.set(`${sa.metadata.namespace}/${sa.metadata.name}`, { namespace: sa.metadata.namespace!, name: sa.metadata.name });
    if (ofKind(resources, 'Workload').some(usesCloudWatchAgent)) {
      found.set(`${CLOUDWATCH_AGENT_NAMESPACE}/${CLOUDWATCH_AGENT_ACCOUNT}`, { namespace: CLOUDWATCH_AGENT_NAMESPACE, name: CLOUDWATCH_AGENT_ACCOUNT });
    }
  }
  return [...found.values()];
}

/**
 * App Mesh on EKS, in the order that leaves nothing behind: one delete per folder (kubectl takes
 * one -k), newest first; the service accounts' IAM roles, which hold the iam stack's policies
 * (IAM refuses to delete a policy a role still holds); then the stacks, newest first, each gone
 * before the next so a stack whose outputs another one took is deleted last.
 */
function cleanupBlock(walkthrough: Walkthrough, attrs: Attributes): string {
  const target = attrs.target ?? 'appmesh';
  if (!isTarget(target) || target === 'service-connect' || walkthrough.platform !== 'eks') throw new Error('a cleanup block is for a Kubernetes target of an EKS walkthrough');
  const kubernetes = KUBERNETES[target];
  const multi = walkthrough.clusters.length > 1;
  const lines = [...walkthrough.clusters].reverse().flatMap((cluster) => [
    ...(multi ? [`# ${cluster.title}${contextNote(walkthrough, cluster)}`] : []),
    ...deleteLines(walkthrough, kubernetes, cluster),
  ]);
  if (target !== 'appmesh') return sh(lines);
  const roles = [...walkthrough.clusters].reverse().flatMap((cluster) =>
    irsaAccounts(walkthrough, cluster).map((sa) => `eksctl delete iamserviceaccount --cluster ${cluster.clusterName} --namespace ${sa.namespace} --name ${sa.name} --wait${multi ? `   # the ${cluster.account} account` : ''}`),
  );
  if (roles.length) lines.push('# The service accounts’ IAM roles (IRSA) before the iam stack: IAM keeps a policy that a role still holds', ...roles);
  const stacks = stacksInOrder(walkthrough, kubernetes).reverse();
  if (stacks.length) {
    lines.push(
      `# AWS resources, newest first${multi ? ', each with its account’s credentials' : ''}`,
      ...stacks.map((t) => `aws cloudformation delete-stack --stack-name ${t.stackName} && aws cloudformation wait stack-delete-complete --stack-name ${t.stackName}${accountNote(walkthrough, t)}`),
    );
  }
  return sh(lines);
}

/** App Mesh on EKS across clusters: every stack, in the order one needs another's outputs, each with its account. */
function stacksBlock(walkthrough: Walkthrough): string {
  if (walkthrough.platform !== 'eks') throw new Error('a stacks block is for an EKS walkthrough');
  const stacks = stacksInOrder(walkthrough, KUBERNETES.appmesh);
  return sh(stacks.map((t) => `${templateDeployCommand(walkthrough, 'appmesh', t)}${accountNote(walkthrough, t)}`));
}

export const TARGET_DOC_BLOCKS: Record<string, (w: Walkthrough, attrs: Attributes) => string> = {
  target: targetBlock,
  cleanup: cleanupBlock,
  stacks: stacksBlock,
};


const SECTION_ANCHORS: Record<string, string> = { istio: 'on-istio', lattice: 'on-amazon-vpc-lattice', 'service-connect': 'on-ecs-service-connect' };

/** A README for each live target's folder: what it is, what to apply in which order, and the migration report. */
export function renderTargetReadmes(walkthrough: Walkthrough): RenderedFile[] {
  return liveTargetsOf(walkthrough).map((target) => {
    const root = targetRoot(walkthrough, target);
    const guide = `../../../docs/walkthroughs/${walkthrough.name}.md#${SECTION_ANCHORS[target]}`;
    const commands = targetCommands(walkthrough, target);
    const lines = [
      `# ${walkthrough.title} — ${TARGET_TITLES[target]}`,
      '',
      `<!-- ${generatedHeader(walkthrough.name).join(' ')} -->`,
      '',
      `The walkthrough rendered for ${TARGET_TITLES[target]} from its App Mesh definition. The guide's section, [${TARGET_TITLES[target]}](${guide}), says what each step changes, the checks with what they answer here, and what was checked offline. The commands, from the repository root:`,
      '',
      ...(commands.install.length ? ['## Install, once', '', sh(commands.install)] : []),
      '## Deploy, in this order',
      '',
      sh(commands.deploy),
      ...(target === 'service-connect' ? [] : ['Each later step is one more `kubectl apply -k` of its folder under `steps/` (the guide says when).', '']),
      '## Clean up',
      '',
      sh(commands.clean),
      '## What the migration keeps',
      '',
      formatReportMarkdown(migrationReport(walkthrough, target), walkthrough).trimEnd(),
      '',
    ];
    return { path: `${root}/README.md`, content: lines.join('\n') };
  });
}
