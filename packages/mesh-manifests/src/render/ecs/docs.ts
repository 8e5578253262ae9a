/**
 * The guide's ECS blocks, rendered from the same stacks the templates are: the one-time shell
 * setup, the first deployment, each later step (TLS files into SSM first, then the services, then
 * the mesh), the cleanup, and the AWS CLI alternative to the mesh stack. Every stack name, path,
 * parameter and file name comes from the renderer, so the guide cannot drift from `ecs/`.
 */
import type { Entry } from '../../model/checks.js';
import { isOurApp } from '../../model/components.js';
import { ofKind, stateAt, stepIndex } from '../../model/state.js';
import type { Cluster, Walkthrough } from '../../model/walkthrough.js';
import { cliFolder } from '../cli-json/index.js';
import type { CertificateFile } from './certificates.js';
import { ecsDeployCommand, ecsStacks, SHELL, STACK_OUTPUT_HELPER, stackName, type EcsStack } from './index.js';
import { certificatesOf, entryOutput } from './services.js';
import { logicalId } from './template.js';

type Attributes = Record<string, string>;

function clusterOf(walkthrough: Walkthrough, attrs: Attributes): Cluster {
  if (walkthrough.platform !== 'ecs') throw new Error('ECS blocks are for ECS walkthroughs');
  const cluster = walkthrough.clusters.find((c) => c.name === (attrs.cluster ?? walkthrough.clusters[0]!.name));
  if (!cluster) throw new Error(`no cluster ${attrs.cluster}`);
  return cluster;
}

function stacksOf(walkthrough: Walkthrough, cluster: Cluster): Record<EcsStack['role'], EcsStack> {
  const stacks = ecsStacks(walkthrough).filter((s) => s.cluster === cluster.name);
  return Object.fromEntries(stacks.map((s) => [s.role, s])) as Record<EcsStack['role'], EcsStack>;
}

function sh(lines: string[]): string {
  return '```sh\n' + lines.join('\n') + '\n```\n';
}

function workloadsAt(walkthrough: Walkthrough, cluster: Cluster, step: string) {
  return ofKind(stateAt(walkthrough, step).find((c) => c.name === cluster.name)!.resources, 'Workload');
}

/** Once per shell: where the tasks run, the registry, and the helper that reads a stack's outputs. */
function setupBlock(walkthrough: Walkthrough, attrs: Attributes): string {
  clusterOf(walkthrough, attrs);
  return sh(ecsShellSetup(walkthrough));
}

/** The shell variables every ECS deploy command reads: region, VPC, subnets, registry, and the stack-output helper. */
export function ecsShellSetup(walkthrough: Walkthrough): string[] {
  return [
    `export AWS_REGION=${walkthrough.region}`,
    '# The default VPC will do: its subnets are public, so the tasks get public addresses to pull their images.',
    `export ${SHELL.vpc}=$(aws ec2 describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[0].VpcId' --output text)`,
    `export ${SHELL.vpcCidr}=$(aws ec2 describe-vpcs --vpc-ids "$${SHELL.vpc}" --query 'Vpcs[0].CidrBlock' --output text)`,
    `export ${SHELL.publicSubnets}=$(aws ec2 describe-subnets --filters Name=vpc-id,Values="$${SHELL.vpc}" Name=default-for-az,Values=true --query 'Subnets[].SubnetId' --output text | tr '\\t' ',')`,
    '# Private subnets behind a NAT gateway instead: list them here and set DISABLED.',
    `export ${SHELL.taskSubnets}="$${SHELL.publicSubnets}" ${SHELL.assignPublicIp}=ENABLED`,
    `export ${SHELL.registry}=$(aws sts get-caller-identity --query Account --output text).dkr.ecr.$AWS_REGION.amazonaws.com`,
    STACK_OUTPUT_HELPER,
  ];
}

/** Pushing our apps' images to ECR, for a task definition that names `<registry>/amw/<app>:latest`. */
export function ecrPushLines(apps: readonly string[]): string[] {
  const lines = [`aws ecr get-login-password | docker login --username AWS --password-stdin "$${SHELL.registry}"`];
  for (const app of apps) {
    lines.push(`aws ecr create-repository --repository-name amw/${app} >/dev/null 2>&1 || true   # once`);
    lines.push(`docker build -f apps/${app}/Dockerfile -t "$${SHELL.registry}/amw/${app}:latest" . && docker push "$${SHELL.registry}/amw/${app}:latest"`);
  }
  return lines;
}

function servicesWait(cluster: Cluster, services: readonly string[]): string {
  return `aws ecs wait services-stable --cluster ${cluster.clusterName} --services ${services.join(' ')}`;
}

/** From nothing to the first step: images, base stack, mesh, services. */
function deployBlock(walkthrough: Walkthrough, attrs: Attributes): string {
  const cluster = clusterOf(walkthrough, attrs);
  const stacks = stacksOf(walkthrough, cluster);
  const first = walkthrough.steps[0]!.name;
  const workloads = workloadsAt(walkthrough, cluster, first);
  const apps = [...new Set(workloads.map((w) => w.spec.component).filter(isOurApp))].sort();
  const lines = ['# 1. Build and push the apps the tasks run (from the repository root)', ...ecrPushLines(apps)];
  lines.push('# 2. Cluster, roles, log group, security group, Cloud Map namespace');
  lines.push(ecsDeployCommand(stacks.base, first));
  lines.push(`# 3. The mesh, at step "${first}"`);
  lines.push(ecsDeployCommand(stacks.mesh, first));
  lines.push(`# 4. Tasks, services${stacks.services.template.Outputs ? ', load balancer' : ''}, at step "${first}"; then wait until every task runs`);
  lines.push(ecsDeployCommand(stacks.services, first));
  lines.push(servicesWait(cluster, workloads.map((w) => w.metadata.name)));
  return (
    sh(lines) +
    '\nEach `aws cloudformation deploy` ends with `Successfully created/updated stack - <stack name>`; ' +
    '`aws ecs wait services-stable` prints nothing and returns once every service runs its desired tasks.\n'
  );
}

function putParameters(files: readonly CertificateFile[]): string[] {
  return [...new Map(files.map((f) => [f.parameter, f])).values()]
    .sort((a, b) => a.parameter.localeCompare(b.parameter))
    .map((f) => `aws ssm put-parameter --name ${f.parameter} --type SecureString --overwrite --value file://${f.path.split('/').at(-1)}`);
}

function certificatesAt(walkthrough: Walkthrough, cluster: Cluster, index: number): CertificateFile[] {
  const state = stateAt(walkthrough, walkthrough.steps[index]!.name).find((c) => c.name === cluster.name)!;
  return ofKind(state.resources, 'Workload').flatMap((w) => certificatesOf(walkthrough, state, w));
}

function changedServices(walkthrough: Walkthrough, cluster: Cluster, stack: EcsStack, index: number): string[] {
  const before = stack.perStep[index - 1]!.Resources;
  const after = stack.perStep[index]!.Resources;
  return workloadsAt(walkthrough, cluster, walkthrough.steps[index]!.name)
    .map((w) => w.metadata.name)
    .filter((name) => ['TaskDefinition', 'Service'].some((suffix) => {
      const id = `${logicalId(name)}${suffix}`;
      return JSON.stringify(before[id]) !== JSON.stringify(after[id]);
    }));
}

/** One later step: the TLS files it needs into SSM, then the services (so the files are there), then the mesh. */
function stepBlock(walkthrough: Walkthrough, attrs: Attributes): string {
  const cluster = clusterOf(walkthrough, attrs);
  if (!attrs.step) throw new Error('an ecs-step block needs step=');
  const index = stepIndex(walkthrough, attrs.step);
  if (index === 0) throw new Error(`step ${attrs.step} is the first step: use an ecs-deploy block`);
  const stacks = stacksOf(walkthrough, cluster);
  const known = new Set(walkthrough.steps.slice(0, index).flatMap((_, i) => certificatesAt(walkthrough, cluster, i).map((f) => f.parameter)));
  const newFiles = certificatesAt(walkthrough, cluster, index).filter((f) => !known.has(f.parameter));
  const services = changedServices(walkthrough, cluster, stacks.services, index);
  const lines: string[] = [];
  if (newFiles.length) {
    lines.push('# The TLS files this step makes Envoy read, into SSM Parameter Store (run it where you issued them)');
    lines.push(...putParameters(newFiles));
  }
  lines.push(services.length ? `# Tasks first: ${services.join(', ')} restart${newFiles.length ? ' with the files in place' : ''}` : '# The services stack (no task changes at this step)');
  lines.push(ecsDeployCommand(stacks.services, attrs.step));
  if (services.length) lines.push(servicesWait(cluster, services));
  lines.push('# Then the mesh');
  lines.push(ecsDeployCommand(stacks.mesh, attrs.step));
  return sh(lines);
}

function cleanupBlock(walkthrough: Walkthrough, attrs: Attributes): string {
  const cluster = clusterOf(walkthrough, attrs);
  const lines: string[] = ['# Newest stack first: the services stack deregisters the tasks from Cloud Map, the base stack then deletes the namespace'];
  for (const role of ['services', 'mesh', 'base'] as const) {
    const name = stackName(walkthrough, cluster, role);
    lines.push(`aws cloudformation delete-stack --stack-name ${name} && aws cloudformation wait stack-delete-complete --stack-name ${name}`);
  }
  const parameters = [...new Set(walkthrough.steps.flatMap((_, i) => certificatesAt(walkthrough, cluster, i).map((f) => f.parameter)))].sort();
  if (parameters.length) lines.push(`aws ssm delete-parameters --names ${parameters.join(' ')}`);
  const apps = [...new Set(walkthrough.steps.flatMap((s) => workloadsAt(walkthrough, cluster, s.name).map((w) => w.spec.component)).filter(isOurApp))].sort();
  for (const app of apps) lines.push(`aws ecr delete-repository --repository-name amw/${app} --force`);
  return sh(lines);
}

function cliBlock(walkthrough: Walkthrough, attrs: Attributes): string {
  const cluster = walkthrough.clusters.find((c) => c.name === (attrs.cluster ?? walkthrough.clusters[0]!.name));
  if (!cluster) throw new Error(`no cluster ${attrs.cluster}`);
  const script = `${cliFolder(walkthrough, cluster)}/mesh.sh`;
  const actions = walkthrough.steps.map((s, i) => ({ arg: i === 0 ? 'up' : s.name, what: i === 0 ? `step "${s.name}": create every object` : s.title }));
  actions.push({ arg: 'down', what: 'delete every object' });
  const width = Math.max(...actions.map((a) => a.arg.length));
  return sh(actions.map((a) => `sh ${script} ${a.arg.padEnd(width)}   # ${a.what}`));
}

export const ECS_DOC_BLOCKS: Record<string, (w: Walkthrough, attrs: Attributes) => string> = {
  'ecs-setup': setupBlock,
  'ecs-deploy': deployBlock,
  'ecs-step': stepBlock,
  'ecs-cleanup': cleanupBlock,
  'appmesh-cli': cliBlock,
};

/** How the guide finds an ECS load balancer's address: the services stack's output. */
export function ecsEntrySetup(walkthrough: Walkthrough, entry: Extract<Entry, { kind: 'load-balancer' }>): string {
  const cluster = walkthrough.clusters.find((c) => c.name === (entry.cluster ?? walkthrough.clusters[0]!.name))!;
  return `export ${entry.envVar}=$(${SHELL.outputHelper} ${stackName(walkthrough, cluster, 'services')} ${entryOutput(entry.name)})`;
}

/** A request to a task's Envoy admin port, run inside its `envoy` container with ECS Exec. */
export function ecsAdminCommand(walkthrough: Walkthrough, entry: Extract<Entry, { kind: 'envoy-admin' }>, path: string): string {
  const cluster = walkthrough.clusters.find((c) => c.name === (entry.cluster ?? walkthrough.clusters[0]!.name))!;
  const task = `"$(aws ecs list-tasks --cluster ${cluster.clusterName} --service-name ${entry.workload.name} --query 'taskArns[0]' --output text)"`;
  return `aws ecs execute-command --cluster ${cluster.clusterName} --task ${task} --container envoy --interactive --command "curl -s http://localhost:${entry.port}${path}"`;
}
