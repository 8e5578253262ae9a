/**
 * The processes a benchmark run starts (upstream apps, sidecars), how it waits for them, how it
 * reads their memory, and how it stops every one of them whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';

export interface Child {
  name: string;
  process: ChildProcess;
  /** The tail of what it wrote to stderr, for failure messages. */
  stderr(): string;
}

const running = new Set<Child>();
// However this process ends, it takes the apps and sidecars it started with it.
process.once('exit', () => {
  for (const child of running) child.process.kill('SIGKILL');
});

export function startNode(name: string, args: string[], env: Record<string, string>, cwd: string): Child {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    // Per-request logs go nowhere: the app still pays for writing them, the bench does not pay to read them.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    tail = (tail + text).slice(-4000);
  });
  const entry: Child = { name, process: child, stderr: () => tail };
  running.add(entry);
  child.once('exit', () => running.delete(entry));
  return entry;
}

export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.process.exitCode !== null || child.process.signalCode !== null) {
            resolve();
            return;
          }
          const kill = setTimeout(() => child.process.kill('SIGKILL'), 3000);
          child.process.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.process.kill('SIGTERM');
        }),
    ),
  );
}

/** A port nothing listens on right now (the OS picks; we release it for the child to take). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, headers, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** Polls `url` until it answers 200, failing with the child's stderr if it dies or takes too long. */
export async function waitUntilReady(child: Child, url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited with code ${child.process.exitCode}: ${child.stderr().trim()}`);
    try {
      if ((await httpGet(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${child.name} was not ready at ${url} after ${timeoutMs} ms: ${child.stderr().trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface Memory {
  /** Resident set size, kB. */
  rss: number;
  /** Proportional set size: shared pages (Node's binary) divided among the processes mapping them, kB. */
  pss: number;
  /** Pages no other process maps, kB: what one more sidecar really costs. */
  private: number;
}

/** Reads /proc/<pid>/smaps_rollup (Linux): RSS alone overstates what each sidecar adds. */
export function memoryOf(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: field('Rss'), pss: field('Pss'), private: field('Private_Clean') + field('Private_Dirty') };
}

export function maxMemory(a: Memory | undefined, b: Memory): Memory {
  if (!a) return b;
  return { rss: Math.max(a.rss, b.rss), pss: Math.max(a.pss, b.pss), private: Math.max(a.private, b.private) };
}

/** CPU time (user + system) a process has used so far, in ms; /proc/<pid>/stat counts clock ticks of 10 ms. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A process as /proc shows it; the start time tells it apart from a later process given the same pid. */
export interface ProcessId {
  pid: number;
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat). */
  startTime: number;
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** `root` and every process below it, from each process's parent in /proc (Linux). */
export function processTree(root: number): ProcessId[] {
  const children = new Map<number, ProcessId[]>();
  let self: ProcessId | undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const fields = statFields(pid);
    if (!fields) continue; // gone since the listing
    const id = { pid, startTime: Number(fields[19]) };
    if (pid === root) self = id;
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), id]);
  }
  if (!self) return [];
  const all = [self];
  for (let i = 0; i < all.length; i++) all.push(...(children.get(all[i]!.pid) ?? []));
  return all;
}

/** Whether that very process still runs; a zombie has exited and holds nothing but its pid until it is reaped. */
export function stillRunning(id: ProcessId): boolean {
  const fields = statFields(id.pid);
  return fields !== undefined && fields[0] !== 'Z' && Number(fields[19]) === id.startTime;
}

export function commandLineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

export function environmentOf(pid: number): Record<string, string> {
  try {
    const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    return Object.fromEntries(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  } catch {
    return {};
  }
}
