/**
 * The guides' sections for the live targets, rendered from the renderers themselves: what to install
 * (and which versions), the commands in the order they must run, each step's checks with what to
 * expect on that target (predicted from the rendered files, see migrate/checks.ts), the clean-up
 * (one `kubectl delete -k` per folder, newest first), and the migration report. A target section
 * is written in the guide's language (its sentences are in target-prose.ts); its commands, the
 * expected output, the report and the checks' notes are the same in both guides.
 *
 *   <!-- generated:target target=istio|lattice|service-connect -->  (Istio and Lattice: with the local run of their files)
 *   <!-- generated:cleanup -->        App Mesh on EKS: one delete per folder, newest first
 */
import { targetChecks, type TargetCheck } from '../../migrate/checks.js';
import { formatReportMarkdown } from '../../migrate/report.js';
import { migrationReport } from '../../migrate/targets.js';
import { ofKind, stateAt, stepIndex } from '../../model/state.js';
import type { Language } from '../../model/text.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import { CLOUDWATCH_AGENT_ACCOUNT, CLOUDWATCH_AGENT_NAMESPACE, usesCloudWatchAgent } from '../eks/cloudwatch-agent.js';
import { clusterOutputs, templateDeployCommand } from '../kubernetes/target-tree.js';
import { latticeDomain } from '../lattice/index.js';
import { isTarget, LIVE_TARGETS, liveTargetsOf, targetFolder, targetRoot, TARGET_TITLES } from '../layout.js';
import { generatedHeader, type RenderedFile } from '../files.js';
import { serviceConnectDeployCommand, serviceConnectStacks, TLS_PARAMETER } from '../service-connect/index.js';
import { checkCommand, checkMarkdown, EXPECTED } from './commands.js';
import { localTargetBlock } from './local-targets.js';
import { checkTitle, stepTitle } from './prose.js';
import { predictedExpectation, TARGET_WORDS } from './target-prose.js';
import { accountNote, contextFlag, contextNote, deleteLines, istioCommands, KUBERNETES, latticeCommands, serviceConnectCommands, stacksInOrder, targetCommands } from './target-commands.js';

type Attributes = Record<string, string>;

function sh(lines: readonly string[]): string {
  return '```sh\n' + lines.join('\n') + '\n```\n';
}

/** The line of a check's markdown that says what to expect, qualified where the target answers differently. */
function qualifyExpected(text: string, lang: Language): string {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.startsWith(EXPECTED[lang]));
  if (at >= 0) lines[at] = TARGET_WORDS[lang].expectedDiffers + lines[at]!.slice(EXPECTED[lang].length);
  return lines.join('\n');
}

/** A step's checks; `shown` holds the setup lines earlier steps printed, so each is printed once. */
function checksMarkdown(checks: readonly TargetCheck[], walkthrough: Walkthrough, step: string, shown: Set<string>, lang: Language): string {
  const words = TARGET_WORDS[lang];
  const here = checks.filter((c) => (c.check.step ?? walkthrough.steps[0]!.name) === step);
  if (!here.length) return '';
  const setups = [...new Set(here.map((c) => c.setup).filter((s): s is string => !!s && !shown.has(s)))];
  for (const setup of setups) shown.add(setup);
  const parts: string[] = [];
  if (setups.length) parts.push(sh(setups));
  for (const c of here) {
    if (c.status === 'unavailable') {
      parts.push(`**${checkTitle(c.check, lang)}**\n\n${words.unavailable(c.note ?? '')}`);
      continue;
    }
    // App Mesh's own explanation names App Mesh's objects: a target's check says only how it differs.
    const { explain: _appMesh, ...check } = c.expect ? { ...c.check, expect: predictedExpectation(c.expect, lang) } : c.check;
    const command = checkCommand(walkthrough, check, () => c.command!);
    // The note is the migration code's own sentence, the same in every guide: quoted on a line of its own.
    const lead = words.noteLead[c.status];
    const note = c.note ? `${lead ? `\n${lead}\n` : ''}\n> ${c.note}\n` : '';
    const text = checkMarkdown(check, command, lang) + note;
    parts.push(c.status === 'differs' ? qualifyExpected(text, lang) : text);
  }
  return parts.join('\n');
}

/** Whether any of a target's checks carries a note from the migration code (the Japanese guide says once what they are). */
function hasNotes(checks: readonly TargetCheck[]): boolean {
  return checks.some((c) => c.note !== undefined);
}

/** The steps, each with the folder it applies (when it changes anything on this target) and its checks. */
function stepsMarkdown(walkthrough: Walkthrough, target: 'istio' | 'lattice', checks: readonly TargetCheck[], lang: Language): string {
  const words = TARGET_WORDS[lang];
  const kubernetes = KUBERNETES[target];
  const parts: string[] = [];
  const shown = new Set<string>();
  walkthrough.steps.forEach((step, i) => {
    parts.push(words.stepHeading(i + 1, stepTitle(step, lang), step.name));
    if (i > 0) {
      const folders = walkthrough.clusters.flatMap((cluster) => {
        const outputs = clusterOutputs(walkthrough, kubernetes, cluster);
        return outputs[i]!.changed.length ? [`kubectl apply -k ${targetFolder(walkthrough, target, cluster)}/steps/${i}-${step.name}${contextFlag(walkthrough, cluster)}`] : [];
      });
      parts.push(folders.length ? sh(folders) : words.nothingChanges(target));
    }
    const text = checksMarkdown(checks, walkthrough, step.name, shown, lang);
    if (text) parts.push(text);
  });
  return parts.join('\n');
}

/**
 * No cluster needed: the local mesh runs these very files (`--target`), with the same checks.
 * The verdicts below are what `check` prints when the files behave as the migration report says;
 * the local mesh's end-to-end tests hold a real run to them.
 */
function localRunMarkdown(walkthrough: Walkthrough, target: 'istio' | 'lattice', lang: Language): string {
  return [TARGET_WORDS[lang].localRun(target), localTargetBlock(walkthrough, target)].join('\n');
}

function istioSection(walkthrough: Walkthrough, lang: Language): string {
  const words = TARGET_WORDS[lang];
  const report = migrationReport(walkthrough, 'istio');
  const checks = targetChecks(walkthrough, 'istio', report);
  const commands = istioCommands(walkthrough);
  const multi = walkthrough.clusters.length > 1;
  const observed = walkthrough.clusters.filter((c) => stateAt(walkthrough).find((s) => s.name === c.name)!.resources.some((r) => r.kind === 'Workload' && (r.spec.proxyEnv?.ENABLE_ENVOY_XRAY_TRACING === '1' || r.spec.proxyEnv?.ENABLE_ENVOY_DOG_STATSD === '1')));
  return [
    words.istioNeeds({ multi, observed: observed.length > 0 }),
    sh(commands.install),
    words.deploy,
    sh(commands.deploy),
    words.istioPods,
    words.checkIt({ target: 'istio', notes: hasNotes(checks) }),
    stepsMarkdown(walkthrough, 'istio', checks, lang),
    words.istioClean,
    sh(commands.clean),
    localRunMarkdown(walkthrough, 'istio', lang),
    words.report,
    formatReportMarkdown(report, walkthrough),
  ].join('\n');
}

function latticeSection(walkthrough: Walkthrough, lang: Language): string {
  const words = TARGET_WORDS[lang];
  const report = migrationReport(walkthrough, 'lattice');
  const checks = targetChecks(walkthrough, 'lattice', report);
  const commands = latticeCommands(walkthrough);
  const multi = walkthrough.clusters.length > 1;
  return [
    words.latticeNeeds({ multi, domain: latticeDomain(walkthrough) }),
    sh(commands.install),
    words.deploy,
    sh(commands.deploy),
    words.latticePods,
    words.checkIt({ target: 'lattice', notes: hasNotes(checks) }),
    stepsMarkdown(walkthrough, 'lattice', checks, lang),
    words.latticeClean,
    sh(commands.clean),
    localRunMarkdown(walkthrough, 'lattice', lang),
    words.report,
    formatReportMarkdown(report, walkthrough),
  ].join('\n');
}

function serviceConnectSection(walkthrough: Walkthrough, lang: Language): string {
  const words = TARGET_WORDS[lang];
  const report = migrationReport(walkthrough, 'service-connect');
  const checks = targetChecks(walkthrough, 'service-connect', report);
  const services = serviceConnectStacks(walkthrough).find((s) => s.role === 'services')!;
  const commands = serviceConnectCommands(walkthrough);
  const parts: string[] = [];
  parts.push(words.serviceConnectNeeds);
  parts.push(words.deploy, sh(commands.deploy));
  const parts2: string[] = [];
  const shown = new Set<string>();
  walkthrough.steps.forEach((step, i) => {
    parts2.push(words.stepHeading(i + 1, stepTitle(step, lang), step.name));
    const tls = report.translations.filter((t) => t.use.feature === 'listener-tls');
    const turnedOn = tls.filter((t) => t.use.steps[0] === step.name);
    if (i > 0 && turnedOn.length) {
      const nodes = report.translations.filter((t) => t.use.feature === 'virtual-node').length;
      const onByNow = tls.filter((t) => stepIndex(walkthrough, t.use.steps[0]!) <= i).length;
      if (onByNow === nodes) {
        parts2.push(words.serviceConnectTlsOn, sh([serviceConnectDeployCommand(services, [[TLS_PARAMETER, '"<your Private CA ARN>"']])]));
      } else {
        parts2.push(words.serviceConnectTlsPartial);
      }
    } else if (i > 0) {
      parts2.push(words.nothingChanges('service-connect'));
    }
    const text = checksMarkdown(checks, walkthrough, step.name, shown, lang);
    if (text) parts2.push(text);
  });
  parts.push(words.checkIt({ target: 'service-connect', notes: hasNotes(checks) }), parts2.join('\n'));
  parts.push(words.serviceConnectClean, sh(commands.clean));
  parts.push(words.report, formatReportMarkdown(report, walkthrough));
  return parts.join('\n');
}

function targetBlock(walkthrough: Walkthrough, attrs: Attributes, lang: Language = 'en'): string {
  const target = attrs.target;
  if (!target || !(LIVE_TARGETS as readonly string[]).includes(target)) throw new Error(`a target block needs target= one of ${LIVE_TARGETS.join(', ')}`);
  if (walkthrough.platform === 'eks' && target === 'service-connect') throw new Error(`${walkthrough.name} runs on EKS: its targets are istio and lattice`);
  if (walkthrough.platform === 'ecs' && target !== 'service-connect') throw new Error(`${walkthrough.name} runs on ECS: its target is service-connect`);
  const section = target === 'istio' ? istioSection(walkthrough, lang) : target === 'lattice' ? latticeSection(walkthrough, lang) : serviceConnectSection(walkthrough, lang);
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

export const TARGET_DOC_BLOCKS: Record<string, (w: Walkthrough, attrs: Attributes, lang: Language) => string> = {
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
