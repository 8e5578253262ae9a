import { Option } from 'commander';
import { formatReportJson, formatReportText } from '../../migrate/report.js';
import { migrationReport } from '../../migrate/targets.js';
import { LIVE_TARGETS, liveTargetsOf, type LiveTarget } from '../../render/layout.js';
import { getWalkthrough, UnknownWalkthroughError } from '../../walkthroughs/index.js';
import { UsageError, type CliCommand } from '../context.js';

export const migrateCommand: CliCommand = {
  register(program, context) {
    program
      .command('migrate')
      .description('the migration report: every App Mesh feature a walkthrough uses, and what it became on a live target (or why not)')
      .argument('<walkthrough>', 'walkthrough name (see `pnpm mesh list`)')
      .addOption(new Option('--to <target>', 'the target (default: every target of the walkthrough)').choices([...LIVE_TARGETS]))
      .option('--json', 'print JSON for scripts')
      .action((name: string, options: { to?: LiveTarget; json?: boolean }) => {
        let walkthrough;
        try {
          walkthrough = getWalkthrough(name);
        } catch (error) {
          if (error instanceof UnknownWalkthroughError) throw new UsageError(error.message);
          throw error;
        }
        const targets = liveTargetsOf(walkthrough);
        if (options.to && !targets.includes(options.to)) {
          throw new UsageError(`walkthrough ${name} runs on ${walkthrough.platform.toUpperCase()}, so its targets are ${targets.join(', ')}: use --to ${targets.join(' or --to ')}`);
        }
        const reports = (options.to ? [options.to] : targets).map((target) => migrationReport(walkthrough, target));
        if (options.json) {
          const json = reports.map((r) => JSON.parse(formatReportJson(r)) as unknown);
          context.out(JSON.stringify(options.to ? json[0] : json, null, 2));
          return;
        }
        context.out(reports.map((r) => formatReportText(r, walkthrough).trimEnd()).join('\n\n'));
      });
  },
};
