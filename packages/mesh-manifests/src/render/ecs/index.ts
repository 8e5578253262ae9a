/**
 * ECS renderer: a walkthrough whose platform is ECS → `ecs/<walkthrough>/` (a sub-folder per
 * cluster when there are several), three CloudFormation templates deployed as three stacks, in
 * this order:
 *
 *   base.yaml      cluster, log group, roles, security group, Cloud Map namespaces (no step changes them)
 *   mesh.yaml      the App Mesh objects; `Step=<name>` selects the walkthrough step
 *   services.yaml  task definitions, ECS services, Cloud Map services, the load balancer; `Step` too
 *
 * A template whose resources differ between steps takes a `Step` parameter (see steps.ts): moving to
 * the next step is deploying the same stacks again with `Step=<next>`, services first (so the
 * tasks already hold the files a TLS step makes Envoy read), then the mesh.
 */
import { stateAt } from '../../model/state.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import { platformFolder } from '../cli-json/index.js';
import { exampleRegistry } from '../eks/kustomize.js';
import { generatedHeader, type RenderedFile } from '../files.js';
import { CLOUDFORMATION_KEY_ORDER, yamlFile, type FieldComment } from '../yaml.js';
import { baseTemplate } from './base.js';
import { namespaceParameter } from './discovery.js';
import { meshTemplate } from './mesh.js';
import { loadBalancerEntries, servicesTemplate, type ServiceComment } from './services.js';
import { mergeSteps, STEP_PARAMETER } from './steps.js';
import { assertAcyclic, type CfnTemplate } from './template.js';

export { STEP_PARAMETER } from './steps.js';
export type { CfnTemplate } from './template.js';

/** The keys that lead a CloudFormation template and resource, and a container's (or any named item's) name and image first. */
export const ECS_KEY_ORDER = [...CLOUDFORMATION_KEY_ORDER.slice(0, 6), 'Name', 'Image', 'Type', 'Condition', 'DependsOn', 'Properties'];

/** The shell variables the guide sets once, and the helper that reads a stack's outputs. */
export const SHELL = {
  vpc: 'VPC_ID',
  vpcCidr: 'VPC_CIDR',
  publicSubnets: 'PUBLIC_SUBNETS',
  taskSubnets: 'TASK_SUBNETS',
  assignPublicIp: 'ASSIGN_PUBLIC_IP',
  registry: 'IMAGE_REGISTRY',
  outputHelper: 'stack_output',
} as const;

export const STACK_OUTPUT_HELPER = `${SHELL.outputHelper}() { aws cloudformation describe-stacks --stack-name "$1" --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue" --output text; }`;

export interface EcsStack {
  cluster: string;
  role: 'base' | 'mesh' | 'services';
  path: string;
  stackName: string;
  template: CfnTemplate;
  capabilities: string[];
  /** Parameter name → shell expression (a step's parameter is added per deploy). */
  parameters: [string, string][];
  stepped: boolean;
  comments: ServiceComment[];
  /** The complete template of each step, before merging (what a step changes is their difference). */
  perStep: CfnTemplate[];
}

export function stackName(walkthrough: Walkthrough, cluster: Cluster, role: EcsStack['role']): string {
  return `${walkthrough.name}-${walkthrough.clusters.length > 1 ? `${cluster.name}-` : ''}${role}`;
}

function mergeComments(perStep: readonly ServiceComment[][]): ServiceComment[] {
  const byId = new Map<string, string[]>();
  for (const comments of perStep) {
    for (const { id, text } of comments) {
      const lines = byId.get(id) ?? [];
      for (const line of text.split('\n')) if (!lines.includes(line)) lines.push(line);
      byId.set(id, lines);
    }
  }
  return [...byId.entries()].map(([id, lines]) => ({ id, text: lines.join('\n') }));
}

/** The three stacks of every cluster of an ECS walkthrough, in deploy order. */
export function ecsStacks(walkthrough: Walkthrough): EcsStack[] {
  if (walkthrough.platform !== 'ecs') return [];
  const stepNames = walkthrough.steps.map((s) => s.name);
  const stacks: EcsStack[] = [];
  for (const cluster of walkthrough.clusters) {
    const folder = platformFolder(walkthrough, cluster);
    const states = stepNames.map((step) => stateAt(walkthrough, step).find((c) => c.name === cluster.name)!);
    const meshes = states.map((state) => meshTemplate(walkthrough, state));
    const meshName = meshes[0]!.meshName;
    const base = baseTemplate(walkthrough, cluster, states, meshName);
    const namespaceParameters = [...new Set(states.flatMap((s) => s.resources.filter((r) => r.kind === 'CloudMapNamespace').map((n) => namespaceParameter(n))))].sort();
    const hasLoadBalancer = loadBalancerEntries(walkthrough, cluster.name).length > 0;
    const registry = exampleRegistry(walkthrough, cluster);
    const services = states.map((state) => servicesTemplate({ walkthrough, registry, namespaceParameters, hasLoadBalancer }, state, meshName));
    const mesh = mergeSteps(stepNames, meshes.map((m) => m.template), `${walkthrough.name} mesh.yaml`);
    const servicesMerged = mergeSteps(stepNames, services.map((s) => s.template), `${walkthrough.name} services.yaml`);
    const baseName = stackName(walkthrough, cluster, 'base');
    const fromBase = (output: string): [string, string] => [output, `"$(${SHELL.outputHelper} ${baseName} ${output})"`];
    const entries: Omit<EcsStack, 'stepped'>[] = [
      {
        cluster: cluster.name,
        role: 'base',
        path: `${folder}/base.yaml`,
        stackName: baseName,
        template: base,
        capabilities: ['CAPABILITY_IAM'],
        parameters: [
          ['VpcId', `"$${SHELL.vpc}"`],
          ['VpcCidr', `"$${SHELL.vpcCidr}"`],
        ],
        comments: [],
        perStep: stepNames.map(() => base),
      },
      {
        cluster: cluster.name,
        role: 'mesh',
        path: `${folder}/mesh.yaml`,
        stackName: stackName(walkthrough, cluster, 'mesh'),
        template: mesh,
        capabilities: [],
        parameters: [],
        comments: [],
        perStep: meshes.map((m) => m.template),
      },
      {
        cluster: cluster.name,
        role: 'services',
        path: `${folder}/services.yaml`,
        stackName: stackName(walkthrough, cluster, 'services'),
        template: servicesMerged,
        capabilities: [],
        parameters: [
          ...(hasLoadBalancer ? ([['VpcId', `"$${SHELL.vpc}"`], ['LoadBalancerSubnets', `"$${SHELL.publicSubnets}"`]] as [string, string][]) : []),
          ['TaskSubnets', `"$${SHELL.taskSubnets}"`],
          ['AssignPublicIp', `"$${SHELL.assignPublicIp}"`],
          fromBase('Cluster'),
          fromBase('TaskRoleArn'),
          fromBase('TaskExecutionRoleArn'),
          fromBase('LogGroup'),
          fromBase('TaskSecurityGroup'),
          ...namespaceParameters.map(fromBase),
          ['ImageRegistry', `"$${SHELL.registry}"`],
        ],
        comments: mergeComments(services.map((s) => s.comments)),
        perStep: services.map((s) => s.template),
      },
    ];
    for (const entry of entries) {
      assertAcyclic(entry.template, `${walkthrough.name} ${entry.path}`);
      stacks.push({ ...entry, stepped: !!entry.template.Parameters?.[STEP_PARAMETER] });
    }
  }
  return stacks;
}

/**
 * `aws cloudformation deploy …` for a stack, at a step when the stack takes one; continuation lines
 * keep it readable. A stepped stack may have nothing to change at a step: that is no failure.
 */
export function ecsDeployCommand(stack: EcsStack, step?: string): string {
  const parameters = [...(stack.stepped && step ? ([[STEP_PARAMETER, step]] as [string, string][]) : []), ...stack.parameters];
  const lines = [
    `aws cloudformation deploy --stack-name ${stack.stackName} --template-file ${stack.path}`,
    ...(stack.capabilities.length ? [`--capabilities ${stack.capabilities.join(' ')}`] : []),
    ...(stack.stepped ? ['--no-fail-on-empty-changeset'] : []),
    ...(parameters.length ? ['--parameter-overrides', ...parameters.map(([k, v]) => `${k}=${v}`)] : []),
  ];
  return lines.join(' \\\n    ');
}

function header(walkthrough: Walkthrough, stack: EcsStack): string[] {
  const first = walkthrough.steps[0]!.name;
  const usage =
    stack.role === 'base'
      ? ['Deploy it first; the other stacks take its outputs:']
      : stack.stepped
        ? [`Deploy it with ${STEP_PARAMETER}=<step> (${walkthrough.steps.map((s) => s.name).join(' → ')}); the first step:`]
        : ['Deploy it with:'];
  const command = ecsDeployCommand(stack, first).split('\n');
  return generatedHeader(walkthrough.name, [
    `${stack.template.Description}.`,
    `The guide, docs/walkthroughs/${walkthrough.name}.md, gives the order of the stacks and steps.`,
    '',
    ...usage,
    ...(stack.role === 'services' ? [`  ${STACK_OUTPUT_HELPER}`] : []),
    ...command.map((line) => `  ${line}`),
  ]);
}

function resourceComments(stack: EcsStack): FieldComment[] {
  return stack.comments.filter((c) => c.id in stack.template.Resources).map((c) => ({ path: ['Resources', c.id], text: c.text }));
}

/** Every file of `ecs/<walkthrough>/` except the CLI JSON; nothing for an EKS walkthrough. */
export function renderEcs(walkthrough: Walkthrough): RenderedFile[] {
  return ecsStacks(walkthrough)
    .map((stack) => ({
      path: stack.path,
      content: yamlFile(header(walkthrough, stack), [{ object: stack.template, fields: resourceComments(stack) }], ECS_KEY_ORDER),
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
