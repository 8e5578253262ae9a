/** Small helpers for tests that start real processes and real servers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls until `check` is true; fails with `what` after the deadline (a bound, not a timing claim). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`still not true after ${deadlineMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** A base port with `span` free ports after it, away from the fixed defaults of `pnpm dev:direct`. */
export async function freePortBase(span: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768 on), where the clients of tests running alongside
    // take their local ports and can grab one between this check and the app's listen; and
    // above the local mesh's fixed walkthrough ports (20100-20699).
    const base = 21_000 + Math.floor(Math.random() * 11_000);
    const free = await Promise.all(Array.from({ length: span }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${span} consecutive free ports found`);
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** What it printed on stderr alone. */
  readonly stderr: () => string;
  /** Resolves with the first output line matching, or rejects when the process exits first. */
  waitFor(pattern: RegExp, deadlineMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or 128 + signal number style name) once it exits. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns a process and keeps everything it prints (stdout and stderr, in arrival order). */
export function spawnCollecting(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Spawned {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let errors = '';
  const listeners = new Set<() => void>();
  const take = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8');
    take(chunk);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    output: () => text,
    stderr: () => errors,
    exit,
    waitFor(pattern, deadlineMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) return done(() => resolve(match));
          if (child.exitCode !== null || child.signalCode !== null) {
            done(() => reject(new Error(`exited before printing ${pattern}; output:\n${text}`)));
          }
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${deadlineMs} ms; output:\n${text}`))), deadlineMs);
        const done = (finish: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          finish();
        };
        listeners.add(check);
        check();
      });
    },
  };
}
