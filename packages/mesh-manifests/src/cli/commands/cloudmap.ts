/**
 * `pnpm mesh cloudmap plan|apply|instances <walkthrough>`: the Cloud Map namespaces and services a
 * walkthrough needs, what exists, creating what is missing (idempotently), and the instances
 * registered in them with their health. Region and credentials come from the standard AWS SDK chain
 * (AWS_PROFILE, AWS_REGION, ~/.aws), `--region` overrides the region.
 */
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type { Command } from 'commander';
import {
  applyPlan,
  CloudMapError,
  describeInstances,
  describePlan,
  desiredCloudMap,
  fatalMessage,
  inspect,
  missingCount,
  UnknownClusterError,
  type ApplyOptions,
  type NamespacePlan,
} from '../../cloudmap/index.js';
import type { Walkthrough } from '../../model/walkthrough.js';
import { getWalkthrough, UnknownWalkthroughError } from '../../walkthroughs/index.js';
import { CommandFailure, UsageError, type CliCommand, type CliContext } from '../context.js';

export interface CloudmapDependencies {
  client(region: string | undefined): ServiceDiscoveryClient;
  /** Waiting on namespace creation: overridable so tests need not wait. */
  apply?: Pick<ApplyOptions, 'pollIntervalMs' | 'maxWaitMs' | 'sleep'>;
}

interface Options {
  region?: string;
  cluster?: string;
  vpc?: string;
}

function resolve(name: string, cluster: string | undefined) {
  try {
    const walkthrough = getWalkthrough(name);
    return { walkthrough, desired: desiredCloudMap(walkthrough, cluster) };
  } catch (error) {
    if (error instanceof UnknownWalkthroughError || error instanceof UnknownClusterError) throw new UsageError(error.message);
    throw error;
  }
}

/** AWS failures become one line; a failure of the command's own logic stays as it is. */
async function withAws<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CommandFailure || error instanceof UsageError) throw error;
    if (error instanceof CloudMapError) throw new CommandFailure(error.message);
    const fatal = fatalMessage(error);
    if (fatal) throw new CommandFailure(fatal);
    if (error instanceof Error && /^[A-Z][A-Za-z]+(Exception|Exceeded|NotFound|Input)?$/.test(error.name) && error.name !== 'Error' && error.name !== 'TypeError') {
      throw new CommandFailure(`Cloud Map refused the request (${error.name}): ${error.message.split('\n')[0]}`);
    }
    throw error;
  }
}

async function planFor(deps: CloudmapDependencies, context: CliContext, walkthrough: Walkthrough, options: Options, desired: ReturnType<typeof desiredCloudMap>) {
  const client = deps.client(options.region);
  const region = await client.config.region();
  context.out(`Cloud Map for ${walkthrough.name} in ${region}${options.cluster ? ` (cluster ${options.cluster})` : ''}`);
  const plans = await inspect(client, desired);
  return { client, plans };
}

function nothingNeeded(context: CliContext, walkthrough: Walkthrough, desired: readonly unknown[]): boolean {
  if (desired.length) return false;
  context.out(`${walkthrough.name} needs no Cloud Map namespace: its nodes use DNS discovery${walkthrough.platform === 'eks' ? ' through Kubernetes Services' : ''}`);
  return true;
}

function summary(plans: readonly NamespacePlan[], name: string): string {
  const missing = missingCount(plans);
  if (plans.some((p) => p.clash)) return 'a namespace name clashes: resolve it before `apply`';
  return missing ? `${missing} to create: run \`pnpm mesh cloudmap apply ${name}\`` : 'everything exists';
}

export function makeCloudmapCommand(deps: CloudmapDependencies): CliCommand {
  return {
    register(program, context) {
      const cloudmap = program
        .command('cloudmap')
        .description('plan, create and inspect the Cloud Map namespaces and services a walkthrough needs')
        .argument('[subcommand...]')
        .action((given: string[]) => {
          const what = given.length ? `unknown subcommand "${given[0]}"` : 'no subcommand given';
          throw new UsageError(`${what}: use \`pnpm mesh cloudmap plan|apply|instances <walkthrough>\` (run \`pnpm mesh cloudmap --help\` for usage)`);
        });
      const common = (command: Command) =>
        command
          .argument('<walkthrough>', 'walkthrough name (see `pnpm mesh list`)')
          .option('--region <region>', 'AWS region (default: the SDK chain: AWS_REGION, your profile)')
          .option('--cluster <cluster>', 'only the namespaces of this cluster of the walkthrough (each cluster may be another account)')
          .exitOverride()
          .configureOutput({ writeOut: (text) => context.out(text.trimEnd()), writeErr: () => {} });

      common(cloudmap.command('plan').description('show what the walkthrough needs in Cloud Map and what already exists; changes nothing')).action(
        async (name: string, options: Options) => {
          const { walkthrough, desired } = resolve(name, options.cluster);
          if (nothingNeeded(context, walkthrough, desired)) return;
          await withAws(async () => {
            const { plans } = await planFor(deps, context, walkthrough, options, desired);
            for (const line of describePlan(plans)) context.out(line);
            context.out(summary(plans, name));
          });
        },
      );

      common(cloudmap.command('apply').description('create the namespaces and services that are missing (idempotent: run it again after a failure)'))
        .option('--vpc <vpc-id>', 'VPC of a private DNS namespace to create (the VPC the tasks run in)')
        .action(async (name: string, options: Options) => {
          const { walkthrough, desired } = resolve(name, options.cluster);
          if (nothingNeeded(context, walkthrough, desired)) return;
          await withAws(async () => {
            const { client, plans } = await planFor(deps, context, walkthrough, options, desired);
            if (!missingCount(plans) && !plans.some((p) => p.clash)) {
              context.out('nothing to do: every namespace and service exists');
              return;
            }
            const result = await applyPlan(client, plans, { ...deps.apply, ...(options.vpc ? { vpc: options.vpc } : {}), print: context.out });
            if (result.leftToDo.length) {
              const total = result.created.length + result.leftToDo.length;
              throw new CommandFailure(
                `${result.created.length} of ${total} created; still to do: ${result.leftToDo.map((l) => `${l.what} (${l.reason})`).join('; ')} — run \`pnpm mesh cloudmap apply ${name}\` again to finish`,
              );
            }
            context.out(`done: ${result.created.length} created`);
          });
        });

      common(cloudmap.command('instances').description('list the instances registered in the walkthrough’s services, with their health')).action(
        async (name: string, options: Options) => {
          const { walkthrough, desired } = resolve(name, options.cluster);
          if (nothingNeeded(context, walkthrough, desired)) return;
          await withAws(async () => {
            const { client, plans } = await planFor(deps, context, walkthrough, options, desired);
            for (const line of await describeInstances(client, plans, name)) context.out(line);
          });
        },
      );
    },
  };
}

export const cloudmapCommand = makeCloudmapCommand({
  client: (region) => new ServiceDiscoveryClient(region ? { region } : {}),
});
