/**
 * `pnpm mesh <command>`: the mesh-manifests CLI. Each command is a module in ./commands and one
 * line in COMMANDS below. Usage errors print one line saying what is wrong and how to fix it, and
 * exit with code 2; a check that fails exits with 1.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { cloudmapCommand } from './commands/cloudmap.js';
import { lintCommand } from './commands/lint.js';
import { listCommand } from './commands/list.js';
import { migrateCommand } from './commands/migrate.js';
import { renderCommand } from './commands/render.js';
import { showCommand } from './commands/show.js';
import { validateCommand } from './commands/validate.js';
import { CommandFailure, repositoryRoot, UsageError, type CliCommand, type CliContext } from './context.js';

const COMMANDS: CliCommand[] = [renderCommand, validateCommand, lintCommand, migrateCommand, listCommand, showCommand, cloudmapCommand];

export function buildProgram(context: CliContext): Command {
  const program = new Command('mesh')
    .description('Every walkthrough’s mesh, defined once: render, validate and inspect it.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => context.out(text.trimEnd()), writeErr: () => {} })
    .showSuggestionAfterError(true);
  for (const command of COMMANDS) command.register(program, context);
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: (text) => context.out(text.trimEnd()), writeErr: () => {} });
  return program;
}

/** Runs the CLI and returns the exit code. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const program = buildProgram(context);
  if (!argv.length) {
    context.err(`no command given: use one of ${program.commands.map((c) => c.name()).join(', ')} (run \`pnpm mesh --help\` for usage)`);
    return 2;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      context.err(`${error.message.replace(/^error: /, '')} (run \`pnpm mesh --help\` for usage)`);
      return 2;
    }
    if (error instanceof UsageError) {
      context.err(error.message);
      return 2;
    }
    if (error instanceof CommandFailure) {
      context.err(error.message);
      return 1;
    }
    context.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  process.exitCode = await runCli(process.argv.slice(2), {
    root: repositoryRoot(),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
}
