/** Runs every rule over one set of objects (one cluster's worth). */
import { Inventory } from './inventory.js';
import { RULES } from './rules/index.js';
import { toFinding, type Report } from './rules/context.js';
import type { Finding, LintInput, LintOptions, LintResult, RuleId } from './types.js';

function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    a.ruleId.localeCompare(b.ruleId) ||
    a.message.localeCompare(b.message)
  );
}

/**
 * Lints Kubernetes objects (and CloudFormation templates, for RAM shares). Objects may carry
 * their source (`{object, source: {file, line, locate}}`) so findings point at lines; bare
 * objects, as a renderer produces them, work too.
 */
export function lintObjects(objects: readonly LintInput[], options: LintOptions = {}): LintResult {
  const inventory = new Inventory(objects, options.defaultNamespace);
  const wanted = options.rules ? new Set<RuleId>(options.rules) : undefined;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const report = (r: Report) => {
    if (wanted && !wanted.has(r.ruleId)) return;
    const finding = toFinding(r);
    const key = JSON.stringify(finding);
    if (seen.has(key)) return;
    seen.add(key);
    findings.push(finding);
  };
  for (const rule of RULES) {
    if (wanted && !rule.ids.some((id) => wanted.has(id))) continue;
    rule.check({ inventory, options, report });
  }
  findings.sort(compareFindings);
  return {
    findings,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    objects: inventory.entries.length,
  };
}
