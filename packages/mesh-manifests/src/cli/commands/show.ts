import { stateAt } from '../../model/state.js';
import { yamlFile } from '../../render/yaml.js';
import { getWalkthrough, UnknownWalkthroughError } from '../../walkthroughs/index.js';
import { UnknownStepError } from '../../model/state.js';
import { UsageError, type CliCommand } from '../context.js';

export const showCommand: CliCommand = {
  register(program, context) {
    program
      .command('show')
      .description("print a walkthrough's resources at a step, as the model holds them")
      .argument('<walkthrough>', 'walkthrough name (see `pnpm mesh list`)')
      .option('--step <step>', 'step to show (default: the last)')
      .option('--kind <kind>', 'only resources of this kind, e.g. VirtualRouter')
      .action((name: string, options: { step?: string; kind?: string }) => {
        let clusters;
        try {
          clusters = stateAt(getWalkthrough(name), options.step);
        } catch (error) {
          if (error instanceof UnknownWalkthroughError || error instanceof UnknownStepError) throw new UsageError(error.message);
          throw error;
        }
        const resources = clusters.flatMap((c) => c.resources.map((r) => ({ cluster: c.name, r })));
        const picked = resources.filter(({ r }) => !options.kind || r.kind === options.kind);
        if (!picked.length) {
          const kinds = [...new Set(resources.map(({ r }) => r.kind))].sort().join(', ');
          throw new UsageError(`walkthrough ${name} has no ${options.kind}; its kinds are: ${kinds}`);
        }
        context.out(yamlFile([], picked.map(({ cluster, r }) => ({ object: r, ...(clusters.length > 1 ? { comment: `cluster: ${cluster}` } : {}) }))).trimEnd());
      });
  },
};
