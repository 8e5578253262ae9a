/**
 * The built `walkthrough` CLI as a learner runs it: a long-running `up` or `dev` started in the
 * background, read line by line until it says it is ready, and stopped with SIGTERM as Ctrl-C
 * would — reporting any process it started that outlived it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { findRepoRoot } from '@amw/dev-stack';
import { processAlive } from '@amw/dev-stack/supervisor';
import { descendants } from '../helpers/sockets.js';

export const repoRoot = findRepoRoot();
export const cliEntry = join(repoRoot, 'packages/local-mesh/dist/cli/main.js');

export interface CliProcess {
  child: ChildProcess;
  /** Everything written so far, stdout and stderr interleaved as they arrived. */
  output(): string;
  stderr(): string;
  /** SIGTERM, then the pids of processes it started that are still alive (none, when all is well). */
  stop(): Promise<number[]>;
}

/**
 * Starts the CLI with `args` and resolves once `ready` has returned true for a line of its
 * standard output; rejects if the CLI exits first, with what it printed.
 */
export async function startCli(args: string[], env: Record<string, string>, ready: (line: string) => boolean): Promise<CliProcess> {
  const child = spawn(process.execPath, [cliEntry, ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const cli: CliProcess = {
    child,
    output: () => output,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return [];
      const children = descendants(child.pid!);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await new Promise((r) => setTimeout(r, 200));
      return children.filter(processAlive);
    },
  };
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (ready(line)) resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`walkthrough ${args.join(' ')} exited with ${code} before it was ready:\n${output}`)));
  });
  return cli;
}
