/**
 * "Run it locally on Istio / Lattice", in a guide's target section: the commands that run the
 * walkthrough from its rendered files for that target through the local mesh, and what `check`
 * prints at each step — a verdict per check, those the target cannot carry marked as expected to
 * differ with the migration report's reason, and the count.
 */
import { expectedVerdicts, summaryLine, verdictLine, type CheckCounts } from '../../migrate/local-run.js';
import { migrationReport } from '../../migrate/targets.js';
import type { Walkthrough } from '../../model/walkthrough.js';
import { liveTargetsOf } from '../layout.js';

export function localTargetBlock(walkthrough: Walkthrough, target: 'istio' | 'lattice'): string {
  if (!liveTargetsOf(walkthrough).includes(target)) throw new Error(`${walkthrough.name} is not rendered for ${target}`);
  const report = migrationReport(walkthrough, target);
  const parts: string[] = [];
  for (const [index, step] of walkthrough.steps.entries()) {
    const commands =
      index === 0
        ? [`pnpm walkthrough up ${walkthrough.name} --target ${target} --step ${step.name}   # in a terminal of its own; Ctrl-C stops it`]
        : [`pnpm walkthrough step ${walkthrough.name} ${step.name}`];
    commands.push(`pnpm walkthrough check ${walkthrough.name}   # each verdict is followed by the answers received`);
    const counts: CheckCounts = { passed: 0, failed: 0, differs: 0 };
    const lines = expectedVerdicts(walkthrough, target, step.name, report).map((v) => {
      counts[v.verdict]++;
      return verdictLine(v.check, v.verdict, target, v.verdict === 'differs' ? (v.note ?? '') : undefined, v.ran);
    });
    lines.push(summaryLine(counts, target));
    parts.push('```sh\n' + commands.join('\n') + '\n```\n', '```text\n' + lines.join('\n') + '\n```\n');
  }
  return parts.join('\n');
}
