/**
 * `pnpm mesh lint <walkthrough | folder>` — the semantic lint, printed like a compiler:
 * `file:line severity rule Kind/namespace/name: message — fix: how`, then a summary line.
 * Exit codes: 0 clean (warnings allowed), 1 errors found, 2 usage error (no target, a path that
 * does not exist, an unknown option).
 */
import { join, relative, sep } from 'node:path';
import { Command, Option } from 'commander';
import { formatJson, formatText, lintPath, lintTexts, RULE_IDS, type LintOptions, type RuleId } from '../../lint/index.js';
import { REPOSITORY_ROOT, resolveTarget } from '../../lint/target.js';
import { CommandFailure, UsageError, type CliCommand } from '../context.js';

export interface LintIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Where relative paths are resolved and printed from. */
  cwd: string;
}

export interface LintCliOptions {
  format?: 'text' | 'json';
  account?: string;
  rule?: string[];
}

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** `pnpm mesh …` runs from the repository root; pnpm keeps the user's directory in INIT_CWD. */
export function invocationDirectory(): string {
  return process.env.INIT_CWD || process.cwd();
}

function defaultIo(): LintIo {
  return { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), cwd: invocationDirectory() };
}

function usage(io: LintIo, message: string): number {
  io.stderr(`mesh lint: ${message}\n`);
  return EXIT_USAGE;
}

/** A repository-relative path as seen from where the user stands. */
function displayPath(repositoryPath: string, cwd: string): string {
  const rel = relative(cwd, join(REPOSITORY_ROOT, repositoryPath));
  return rel.startsWith('..') ? repositoryPath : rel.split(sep).join('/');
}

/** Runs the lint for one target and returns the exit code; all output goes through `io`. */
export async function runLint(target: string | undefined, options: LintCliOptions, io: LintIo = defaultIo()): Promise<number> {
  if (!target) return usage(io, 'missing target: give a walkthrough name or a folder of YAML, e.g. `pnpm mesh lint mesh-basics` or `pnpm mesh lint ./my-manifests`');
  if (options.account !== undefined && !/^\d{12}$/.test(options.account)) {
    return usage(io, `--account "${options.account}" is not a 12-digit AWS account ID`);
  }
  const unknownRules = (options.rule ?? []).filter((r) => !(RULE_IDS as string[]).includes(r));
  if (unknownRules.length > 0) return usage(io, `unknown rule ${unknownRules.join(', ')}; rules are: ${RULE_IDS.join(', ')}`);
  const resolved = resolveTarget(target, io.cwd);
  if (resolved.kind === 'usage-error') return usage(io, resolved.message);
  const lintOptions: LintOptions = {
    ...(options.account ? { accountId: options.account } : {}),
    ...(options.rule?.length ? { rules: options.rule as RuleId[] } : {}),
  };
  const result =
    resolved.kind === 'path'
      ? await lintPath(resolved.path, lintOptions, io.cwd)
      : lintTexts(resolved.files, resolved.root, lintOptions, (path) => displayPath(path, io.cwd));
  io.stdout(options.format === 'json' ? formatJson(result, resolved.label) : formatText(result, resolved.label));
  return result.errors > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
}

/** Builds the `lint` sub-command around `action` (the CLI's, or a test's). */
export function createLintCommand(action: (target: string | undefined, options: LintCliOptions) => Promise<void>): Command {
  return new Command('lint')
    .description('lint a walkthrough (as rendered into k8s/<name>) or any folder of Kubernetes YAML for App Mesh mistakes schemas cannot catch')
    .argument('[target]', 'walkthrough name, or a folder/file of YAML (relative to where you are)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--account <id>', 'the AWS account applying these manifests (for cross-account checks)')
    .option('--rule <id...>', `only these rules (${RULE_IDS.join(', ')})`)
    .action(action);
}

/**
 * The command as `pnpm mesh` registers it: findings and the summary go to stdout line by line;
 * a usage error becomes a UsageError (exit 2), errors found a CommandFailure (exit 1).
 */
export const lintCommand: CliCommand = {
  register(program, context) {
    program.addCommand(
      createLintCommand(async (target, options) => {
        let usageMessage = '';
        const code = await runLint(target, options, {
          stdout: (text) => text.trimEnd().split('\n').forEach((line) => context.out(line)),
          stderr: (text) => (usageMessage += text),
          cwd: invocationDirectory(),
        });
        if (code === EXIT_USAGE) throw new UsageError(usageMessage.trim().replace(/^mesh lint: /, ''));
        if (code === EXIT_FINDINGS) throw new CommandFailure(`fix the errors above, then run \`pnpm mesh lint ${target}\` again`);
      }),
    );
  },
};
