/**
 * What `pnpm walkthrough check` prints of a walkthrough run locally from a live target's rendered
 * files: one verdict line per check — passed, failed, or expected to differ because the target
 * cannot carry what App Mesh did (with the migration report's reason) — and a count at the end.
 * The CLI prints these lines and the guides print them as the output to expect, so both come from
 * here.
 */
import type { Check } from '../model/checks.js';
import { checksAt } from '../model/state.js';
import type { Walkthrough } from '../model/walkthrough.js';
import type { LiveTarget } from '../render/layout.js';
import { targetCheck } from './checks.js';
import type { MigrationReport } from './report.js';

export type Verdict = 'passed' | 'failed' | 'differs';

export interface CheckCounts {
  passed: number;
  failed: number;
  differs: number;
}

const MARKS: Record<Verdict, string> = { passed: '✓', failed: '✗', differs: '≠' };

/**
 * One check's line. `ran`: whether a request was made (a check the target has no way to make —
 * an Envoy admin port on Lattice — is reported, not run).
 */
export function verdictLine(check: Check, verdict: Verdict, target?: LiveTarget, note?: string, ran = true): string {
  const differs = verdict === 'differs' || (verdict === 'failed' && note !== undefined);
  // The report's notes are sentences: their full stop would stand before "; here:".
  const reason = note?.replace(/\.$/, '');
  const why = differs && target ? ` — expected to differ on ${target}${reason ? `: ${reason}` : ''}${ran ? '; here:' : ' (not checked here)'}` : '';
  return `${MARKS[verdict]} ${check.title}${why}`;
}

export function summaryLine(counts: CheckCounts, target?: LiveTarget): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.differs} expected to differ${target ? ` on ${target}` : ''}`;
}

export interface ExpectedVerdict {
  check: Check;
  verdict: 'passed' | 'differs';
  note?: string;
  ran: boolean;
}

/** The verdicts a local run of the target gives at a step when it behaves as the migration report says. */
export function expectedVerdicts(walkthrough: Walkthrough, target: LiveTarget, step: string, report: MigrationReport): ExpectedVerdict[] {
  return checksAt(walkthrough, step).map((check) => {
    const judged = targetCheck(walkthrough, target, check, report);
    const note = judged.note !== undefined && judged.status !== 'same' ? { note: judged.note } : {};
    return { check, verdict: judged.status === 'same' ? 'passed' : 'differs', ran: judged.status !== 'unavailable', ...note };
  });
}
