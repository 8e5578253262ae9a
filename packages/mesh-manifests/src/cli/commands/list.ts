import { walkthroughs } from '../../walkthroughs/index.js';
import type { CliCommand } from '../context.js';

export const listCommand: CliCommand = {
  register(program, context) {
    program
      .command('list')
      .description('list the walkthroughs, their platform and steps')
      .action(() => {
        for (const w of walkthroughs) {
          context.out(`${w.name.padEnd(26)} ${w.platform.toUpperCase()}  ${w.title}`);
          if (w.steps.length > 1) context.out(`${''.padEnd(31)}steps: ${w.steps.map((s) => s.name).join(' → ')}`);
        }
      });
  },
};
