import { renderTree, writeTree, diffTree, type TreeDiff } from '../../render/tree.js';
import { walkthroughs } from '../../walkthroughs/index.js';
import { CommandFailure, type CliCommand, type CliContext } from '../context.js';

function report(context: CliContext, diff: TreeDiff, verbs: { created: string; changed: string; removed: string }): number {
  for (const path of diff.created) context.out(`${verbs.created} ${path}`);
  for (const path of diff.changed) context.out(`${verbs.changed} ${path}`);
  for (const path of diff.removed) context.out(`${verbs.removed} ${path}`);
  return diff.created.length + diff.changed.length + diff.removed.length;
}

export const renderCommand: CliCommand = {
  register(program, context) {
    program
      .command('render')
      .description('render k8s/, ecs/ and the generated blocks of docs/walkthroughs from the definitions, and print what changed')
      .option('--check', 'change nothing; fail (exit 1) if the committed files differ from a fresh rendering')
      .action((options: { check?: boolean }) => {
        const files = renderTree(context.root, walkthroughs);
        if (options.check) {
          const count = report(context, diffTree(context.root, files), { created: 'missing', changed: 'differs', removed: 'stale' });
          if (count) throw new CommandFailure(`${count} generated file(s) out of date: run \`pnpm mesh render\` and commit the result`);
          context.out(`k8s/, ecs/ and docs/walkthroughs are up to date (${files.length} files)`);
          return;
        }
        const count = report(context, writeTree(context.root, files), { created: 'created', changed: 'updated', removed: 'removed' });
        context.out(count ? `${count} file(s) changed, ${files.length} rendered` : `nothing changed (${files.length} files)`);
      });
  },
};
