/** Fixture folders for the lint tests: clean walkthrough-shaped folders and traps laid over them. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintPath, type SetLintResult } from '../../src/lint/index.js';
import type { Finding, LintOptions } from '../../src/lint/types.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const CLEAN = join(FIXTURES, 'clean');
export const TRAPS = join(FIXTURES, 'traps');

const made: string[] = [];

/**
 * A trap is a clean folder with some files replaced: `traps/<base>/<trap>/` holds the files that
 * differ from `clean/<base>/`. The result is a real folder, as a learner would have it.
 */
export async function trapFolder(base: string, trap: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `amw-lint-${trap}-`));
  made.push(dir);
  await cp(join(CLEAN, base), dir, { recursive: true });
  await cp(join(TRAPS, base, trap), dir, { recursive: true });
  return dir;
}

/** Lints a trap with paths printed relative to its folder (`mesh.yaml`, `frontend/yelb-ui.yaml`). */
export async function lintTrap(base: string, trap: string, options: LintOptions = {}): Promise<SetLintResult> {
  const dir = await trapFolder(base, trap);
  return lintPath(dir, options, dir);
}

export async function lintClean(base: string, options: LintOptions = {}): Promise<SetLintResult> {
  const dir = join(CLEAN, base);
  return lintPath(dir, options, dir);
}

export async function removeTrapFolders(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** `file:line severity rule Kind/ns/name` — what a finding points at, for compact assertions. */
export function where(finding: Finding): string {
  const { kind, namespace, name } = finding.object;
  return `${finding.file}:${finding.line} ${finding.severity} ${finding.ruleId} ${namespace === undefined ? `${kind}/${name}` : `${kind}/${namespace}/${name}`}`;
}
