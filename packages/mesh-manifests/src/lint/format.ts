/** Compiler-style output for people, JSON for scripts. */
import type { Finding, LintResult } from './types.js';

function objectLabel(finding: Finding): string {
  const { kind, namespace, name } = finding.object;
  return namespace === undefined ? `${kind}/${name}` : `${kind}/${namespace}/${name}`;
}

function location(finding: Finding, fallback: string): string {
  const file = finding.file ?? fallback;
  return finding.line === undefined ? file : `${file}:${finding.line}`;
}

/** `<file>:<line> <severity> <rule-id> <Kind>/<namespace>/<name>: <message> — fix: <how>` */
export function formatFinding(finding: Finding, fallback = '(input)'): string {
  return `${location(finding, fallback)} ${finding.severity} ${finding.ruleId} ${objectLabel(finding)}: ${finding.message} — fix: ${finding.fix}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function summaryLine(result: LintResult, target?: string): string {
  const what = `${plural(result.objects, 'object')}${target ? ` from ${target}` : ''}`;
  if (result.errors === 0 && result.warnings === 0) return `✓ no problems in ${what}`;
  return `${result.errors > 0 ? '✗' : '!'} ${plural(result.errors, 'error')}, ${plural(result.warnings, 'warning')} in ${what}`;
}

export function formatText(result: LintResult, target?: string): string {
  return [...result.findings.map((f) => formatFinding(f)), summaryLine(result, target)].join('\n') + '\n';
}

export function formatJson(result: LintResult, target?: string): string {
  const findings = result.findings.map((f) => ({
    file: f.file ?? null,
    line: f.line ?? null,
    severity: f.severity,
    rule: f.ruleId,
    kind: f.object.kind,
    namespace: f.object.namespace ?? null,
    name: f.object.name,
    message: f.message,
    fix: f.fix,
  }));
  return `${JSON.stringify({ target: target ?? null, errors: result.errors, warnings: result.warnings, objects: result.objects, findings }, null, 2)}\n`;
}
