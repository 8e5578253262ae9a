/**
 * The guides in docs/walkthroughs are written by hand, except for marked blocks that are rendered
 * from the definition: the citation of the original, mesh objects, checks with their expected
 * output, steps, deploy commands, the corrections to the original. A block is
 *
 *     <!-- generated:<type> key=value … -->
 *     …rewritten on every `pnpm mesh render`…
 *     <!-- /generated -->
 *
 * The same markdown machinery renders both languages' guides (docs/walkthroughs/ and
 * docs/walkthroughs/ja/). Blocks that carry prose from the definition (`TRANSLATED_BLOCKS`) are
 * rendered in the guide's language, with the same commands; every other block is data, commands or
 * output and comes out byte for byte the same in both.
 */
import type { ObjectMeta } from '../../model/appmesh.js';
import { isOurApp } from '../../model/components.js';
import { ofKind, stateAt, stepIndex } from '../../model/state.js';
import type { Language } from '../../model/text.js';
import type { Citation, Resource, Walkthrough } from '../../model/walkthrough.js';
import { CLOUDWATCH_AGENT_ACCOUNT, CLOUDWATCH_AGENT_NAMESPACE, CLOUDWATCH_AGENT_POLICY, cloudWatchAgentRoleName, usesCloudWatchAgent } from '../eks/cloudwatch-agent.js';
import { mainContainerName } from '../eks/deployment.js';
import { logicalId } from '../eks/cloudformation.js';
import { cloudFormationTemplates, clusterFolder, deployCommand, stepFolder } from '../eks/index.js';
import { ECS_DOC_BLOCKS } from '../ecs/docs.js';
import { TARGET_DOC_BLOCKS } from './targets.js';
import { yamlFile } from '../yaml.js';
import { checkCommand, checkMarkdown, entryOf, entrySetup } from './commands.js';
import { localBlock } from './local.js';
import { stepSummary, stepTitle } from './prose.js';

const BLOCK = /<!-- generated:([a-z-]+)((?:\s+[a-zA-Z]+=[^\s>]+)*)\s*-->\n([\s\S]*?)<!-- \/generated -->/g;

export class DocBlockError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'DocBlockError';
  }
}

type Attributes = Record<string, string>;

function parseAttributes(text: string): Attributes {
  return Object.fromEntries([...text.matchAll(/([a-zA-Z]+)=([^\s>]+)/g)].map((m) => [m[1]!, m[2]!]));
}

function findResource(walkthrough: Walkthrough, attrs: Attributes): Resource {
  const { kind, name, namespace, step, cluster } = attrs;
  if (!kind || !name) throw new Error('an object block needs kind= and name=');
  const clusters = stateAt(walkthrough, step ?? walkthrough.steps[0]!.name);
  const matches = clusters
    .filter((c) => !cluster || c.name === cluster)
    .flatMap((c) => c.resources)
    .filter((r) => r.kind === kind && r.metadata.name === name && (namespace === undefined || (r.metadata as ObjectMeta).namespace === namespace));
  if (!matches.length) throw new Error(`no ${kind} ${namespace ? `${namespace}/` : ''}${name}${step ? ` at step ${step}` : ''}`);
  return matches[0]!;
}

function objectBlock(walkthrough: Walkthrough, attrs: Attributes): string {
  const resource = findResource(walkthrough, attrs);
  const yaml = yamlFile([], [{ object: resource }]);
  return '```yaml\n' + yaml + '```\n';
}

function checksBlock(walkthrough: Walkthrough, attrs: Attributes, lang: Language): string {
  const first = walkthrough.steps[0]!.name;
  const checks = attrs.step ? walkthrough.checks.filter((c) => (c.step ?? first) === attrs.step) : walkthrough.checks;
  if (!checks.length) throw new Error(`no checks${attrs.step ? ` at step ${attrs.step}` : ''}`);
  const setups = [...new Set(checks.map((c) => entrySetup(walkthrough, entryOf(walkthrough, c.request.entry))).filter((s): s is string => !!s))];
  const parts: string[] = [];
  if (setups.length) parts.push('```sh\n' + setups.join('\n') + '\n```\n');
  for (const check of checks) parts.push(checkMarkdown(check, checkCommand(walkthrough, check), lang));
  return parts.join('\n');
}

const CORRECTION_LABELS: Record<Language, { original: string; here: string }> = {
  en: { original: 'In the original:', here: 'Here:' },
  ja: { original: '原典では:', here: 'ここでは:' },
};

function correctionsBlock(walkthrough: Walkthrough, _attrs: Attributes, lang: Language): string {
  const label = CORRECTION_LABELS[lang];
  return walkthrough.corrections.map((c) => `- **${label.original}** ${c.original[lang]}\n  **${label.here}** ${c.correction[lang]}`).join('\n') + '\n';
}

/**
 * One citation: the title linked to its address, then who, where and when. Brackets in a title
 * are escaped: `[AWS Black Belt Online Seminar] …` would otherwise end the link text early.
 */
function citation(c: Citation, lang: Language): string {
  const title = c.url ? `[${c.title.replace(/[[\]]/g, '\\$&')}](${c.url})` : lang === 'ja' ? `「${c.title}」` : `“${c.title}”`;
  const where = [c.site, c.date].filter(Boolean).join(', ');
  const noAddress = lang === 'ja' ? '（アドレスは記録されていません）' : ' (no address recorded)';
  return `${title} — ${c.author ? `${c.author}; ` : ''}${where}${c.url ? '' : noAddress}`;
}

/** The lead-in words of the source block; the citations themselves are as published, in their own language. */
const SOURCE_LABELS: Record<Language, { original: string; related: string; end: string }> = {
  en: { original: '**The original:**', related: 'It draws on:', end: '.' },
  ja: { original: '**原典:**', related: 'あわせて参照している資料:', end: '' },
};

/** The original the walkthrough follows, so a reader can check every "In the original" below. */
function sourceBlock(walkthrough: Walkthrough, _attrs: Attributes, lang: Language): string {
  const { related, ...original } = walkthrough.source;
  const label = SOURCE_LABELS[lang];
  const lines = [`${label.original} ${citation(original, lang)}${label.end}`];
  if (related?.length) lines.push('', label.related, '', ...related.map((c) => `- ${citation(c, lang)}`));
  return lines.join('\n') + '\n';
}

function teachesBlock(walkthrough: Walkthrough, _attrs: Attributes, lang: Language): string {
  return walkthrough.teaches.map((t) => `- ${t[lang]}`).join('\n') + '\n';
}

function stepsBlock(walkthrough: Walkthrough, attrs: Attributes, lang: Language): string {
  const cluster = walkthrough.clusters.find((c) => !attrs.cluster || c.name === attrs.cluster)!;
  return (
    walkthrough.steps
      .map((step, i) => {
        const command = `\`kubectl apply -k ${stepFolder(walkthrough, cluster, i)}\``;
        const apply = walkthrough.platform !== 'eks' ? '' : lang === 'ja' ? `適用: ${command}` : ` Apply: ${command}.`;
        return `${i + 1}. **${stepTitle(step, lang)}** (\`${step.name}\`): ${stepSummary(step, lang)}${apply}`;
      })
      .join('\n') + '\n'
  );
}

/** EKS: the commands from an empty cluster with the App Mesh controller to the walkthrough's starting state. */
function deployBlock(walkthrough: Walkthrough, attrs: Attributes): string {
  if (walkthrough.platform !== 'eks') throw new Error('deploy blocks are for EKS walkthroughs');
  const cluster = walkthrough.clusters.find((c) => c.name === (attrs.cluster ?? walkthrough.clusters[0]!.name));
  if (!cluster) throw new Error(`no cluster ${attrs.cluster}`);
  const dir = clusterFolder(walkthrough, cluster);
  const start = stateAt(walkthrough).find((c) => c.name === cluster.name)!.resources;
  const apps = [...new Set(ofKind(start, 'Workload').map((w) => w.spec.component))].filter(isOurApp);
  const accounts = ofKind(start, 'ServiceAccountRole');
  const lines: string[] = [];
  lines.push(`# 1. Your account, region and registry, once: edit ${dir}/settings/settings.env`);
  if (apps.length) {
    lines.push('# 2. Build and push the apps this cluster runs (from the repository root)');
    lines.push('export IMAGE_REGISTRY=$(sed -n "s/^IMAGE_REGISTRY=//p" ' + `${dir}/settings/settings.env)`);
    for (const app of apps.sort()) {
      lines.push(`docker build -f apps/${app}/Dockerfile -t "$IMAGE_REGISTRY/amw/${app}:latest" . && docker push "$IMAGE_REGISTRY/amw/${app}:latest"`);
    }
  }
  const templates = cloudFormationTemplates(walkthrough).filter((t) => t.cluster === cluster.name);
  // Across clusters a stack can need another cluster's outputs: the guide deploys them all first, in order (a stacks block).
  if (templates.length && walkthrough.clusters.length > 1) {
    lines.push(`# 3. AWS resources: the stacks above, in their order (${templates.map((t) => t.stackName).join(', ')} are this cluster's)`);
  } else if (templates.length) {
    lines.push('# 3. AWS resources (CloudFormation)');
    for (const template of templates) lines.push(deployCommand(walkthrough, template));
  }
  const iam = templates.find((t) => t.file === 'cloudformation/iam.yaml');
  const agent = ofKind(start, 'Workload').some(usesCloudWatchAgent);
  if ((accounts.length && iam) || agent) {
    lines.push('# 4. One IAM role per service account (IRSA)');
  }
  if (agent) {
    lines.push(
      `eksctl create iamserviceaccount --cluster ${cluster.clusterName} --namespace ${CLOUDWATCH_AGENT_NAMESPACE} --name ${CLOUDWATCH_AGENT_ACCOUNT} --role-name ${cloudWatchAgentRoleName(walkthrough)} --role-only --attach-policy-arn ${CLOUDWATCH_AGENT_POLICY} --approve`,
    );
  }
  if (accounts.length && iam) {
    for (const sa of [...accounts].sort((a, b) => a.spec.roleName.localeCompare(b.spec.roleName))) {
      const arns = sa.spec.policies.map(
        (p) => `--attach-policy-arn "$(aws cloudformation describe-stacks --stack-name ${iam.stackName} --query "Stacks[0].Outputs[?OutputKey=='${logicalId(p)}PolicyArn'].OutputValue" --output text)"`,
      );
      lines.push(
        `eksctl create iamserviceaccount --cluster ${cluster.clusterName} --namespace ${sa.metadata.namespace} --name ${sa.metadata.name} --role-name ${sa.spec.roleName} --role-only ${arns.join(' ')} --approve`,
      );
    }
  }
  lines.push('# 5. The manifests');
  lines.push(`kubectl apply -k ${dir}`);
  return '```sh\n' + lines.join('\n') + '\n```\n';
}

function ecsTasksBlock(walkthrough: Walkthrough): string {
  const resources = stateAt(walkthrough).flatMap((c) => c.resources);
  const meshName = ofKind(resources, 'Mesh')[0]?.metadata.name ?? '<mesh>';
  const rows = ofKind(resources, 'Workload').filter((w) => w.spec.ecs);
  const header = '| Task | Runs | CPU / memory | Envoy | Proxy configuration | Identity |\n|---|---|---|---|---|---|';
  const body = rows.map((w) => {
    const ecs = w.spec.ecs!;
    const id = w.spec.meshIdentity;
    const identity = id ? ('virtualNode' in id ? `mesh/${meshName}/virtualNode/${id.virtualNode}` : `mesh/${meshName}/virtualGateway/${id.virtualGateway}`) : '';
    const proxy = ecs.proxyConfiguration
      ? `APPMESH: IgnoredUID ${ecs.proxyConfiguration.ignoredUid}, ingress ${ecs.proxyConfiguration.proxyIngressPort}, egress ${ecs.proxyConfiguration.proxyEgressPort}, AppPorts ${ecs.proxyConfiguration.appPorts.join(',')}, EgressIgnoredIPs ${ecs.proxyConfiguration.egressIgnoredIps.join(',')}`
      : 'none (Envoy is the main container)';
    const envoy = `${ecs.envoy.user ? `user ${ecs.envoy.user}, ` : ''}admin ${ecs.envoy.adminPort}${ecs.envoy.appDependsOnHealthyEnvoy ? ', app waits for HEALTHY' : ''}`;
    const runs = `${w.spec.component}${w.spec.env ? ` (${Object.entries(w.spec.env).map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}${w.spec.sidecars?.length ? ` + ${w.spec.sidecars.join(', ')}` : ''}`;
    return `| ${w.metadata.name} | ${runs} | ${ecs.cpu} / ${ecs.memory} MiB | ${envoy} | ${proxy} | \`APPMESH_RESOURCE_ARN=${identity}\` |`;
  });
  return [header, ...body].join('\n') + '\n';
}

function execHint(walkthrough: Walkthrough, attrs: Attributes): string {
  const entry = entryOf(walkthrough, attrs.entry ?? '');
  if (entry.kind !== 'exec') throw new Error(`entry ${entry.name} is not an exec entry`);
  const workload = ofKind(stateAt(walkthrough).flatMap((c) => c.resources), 'Workload').find((w) => w.metadata.name === entry.workload.name)!;
  return '```sh\n' + `kubectl -n ${entry.workload.namespace} exec -it deploy/${entry.workload.name} -c ${mainContainerName(workload)} -- sh` + '\n```\n';
}

type Renderer = (w: Walkthrough, attrs: Attributes, lang: Language) => string;

const RENDERERS: Record<string, Renderer> = {
  object: objectBlock,
  checks: checksBlock,
  corrections: correctionsBlock,
  teaches: teachesBlock,
  source: sourceBlock,
  steps: stepsBlock,
  deploy: deployBlock,
  'ecs-tasks': ecsTasksBlock,
  shell: execHint,
  local: localBlock,
  ...ECS_DOC_BLOCKS,
  ...TARGET_DOC_BLOCKS,
};

export const DOC_BLOCK_TYPES = Object.keys(RENDERERS);

/**
 * The blocks that print prose of their own and so differ between the languages (their commands and
 * code do not): the definition's prose, and the live targets' sections, whose sentences are the
 * renderer's (target-prose.ts) while their commands, expected output, migration report and the
 * migration code's per-check notes are the same in both guides. The ECS blocks, the clean-up and
 * the stacks are commands and data, rendered once into both guides.
 */
export const TRANSLATED_BLOCKS: ReadonlySet<string> = new Set(['checks', 'corrections', 'teaches', 'source', 'steps', 'local', 'target']);

/** The guide with every generated block rewritten from the definition. */
export function renderDocBlocks(markdown: string, walkthrough: Walkthrough, file: string, lang: Language = 'en'): string {
  let count = 0;
  const result = markdown.replace(BLOCK, (whole, type: string, attrText: string, _body: string, offset: number) => {
    count++;
    const line = markdown.slice(0, offset).split('\n').length;
    const render = RENDERERS[type];
    if (!render) throw new DocBlockError(file, line, `unknown block type "${type}"; known types: ${DOC_BLOCK_TYPES.join(', ')}`);
    const attrs = parseAttributes(attrText);
    if (attrs.step) {
      try {
        stepIndex(walkthrough, attrs.step);
      } catch (error) {
        throw new DocBlockError(file, line, (error as Error).message);
      }
    }
    let body: string;
    try {
      body = render(walkthrough, attrs, TRANSLATED_BLOCKS.has(type) ? lang : 'en');
    } catch (error) {
      throw new DocBlockError(file, line, (error as Error).message);
    }
    return `<!-- generated:${type}${attrText} -->\n${body}<!-- /generated -->`;
  });
  const opened = (markdown.match(/<!-- generated:/g) ?? []).length;
  if (opened !== count) throw new DocBlockError(file, 1, `${opened - count} generated block(s) without a matching <!-- /generated --> line`);
  return result;
}
