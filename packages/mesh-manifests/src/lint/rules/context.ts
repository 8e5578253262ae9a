/** What every rule receives, and the one way rules report a finding. */
import { idOf, type Entry, type Inventory } from '../inventory.js';
import type { FieldPath, Finding, LintOptions, RuleId, Severity, SourceRef } from '../types.js';

export interface Report {
  ruleId: RuleId;
  severity: Severity;
  /** The offending object; the finding points at its file and line. */
  entry: Entry;
  /** The offending field inside it, when there is one: the line then points there. */
  path?: FieldPath;
  message: string;
  fix: string;
}

export interface RuleContext {
  inventory: Inventory;
  options: LintOptions;
  report(report: Report): void;
}

export interface Rule {
  /** The ids this rule can report (most rules have one). */
  ids: readonly RuleId[];
  check(context: RuleContext): void;
}

export function lineOf(source: SourceRef, path?: FieldPath): number | undefined {
  return (path && source.locate?.(path)) || source.line;
}

export function toFinding(report: Report): Finding {
  const { entry } = report;
  const line = lineOf(entry.source, report.path);
  return {
    ruleId: report.ruleId,
    severity: report.severity,
    ...(entry.source.file === undefined ? {} : { file: entry.source.file }),
    ...(line === undefined ? {} : { line }),
    object: idOf(entry),
    message: report.message,
    fix: report.fix,
  };
}
