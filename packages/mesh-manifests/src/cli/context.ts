/**
 * What every command gets: where the repository is and where to print. Commands never call
 * process.exit: they return, or throw a UsageError (exit 2) or a CommandFailure (exit 1).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

export interface CliContext {
  /** Repository root: k8s/ and docs/ are written here. */
  root: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** A command used the wrong way; the message says how to use it right. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command ran and found a problem (drift, invalid objects). Exit code 1. */
export class CommandFailure extends Error {
  override name = 'CommandFailure';
}

/** One CLI command: adds itself (name, arguments, options, action) to the program. */
export interface CliCommand {
  register(program: Command, context: CliContext): void;
}

export function repositoryRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
}
