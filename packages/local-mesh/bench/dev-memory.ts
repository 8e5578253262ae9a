/**
 * What `pnpm dev` costs in memory as a whole: every walkthrough started at once, as `pnpm dev`
 * starts them (the built CLI's `dev` command, which is what the root script runs once it has
 * built), measured when all six are ready and idle. It sums PSS (/proc/<pid>/smaps_rollup) over
 * every process of the run, found by walking the process tree down from the CLI process, and
 * judges the goal of issue #9 (all six ≤ 600 MB PSS); then it stops the run with SIGTERM, as
 * Ctrl-C would, and checks that no process it saw is left running.
 *
 * PSS, not RSS: every one of these processes is a Node process mapping the same binary, and RSS
 * would count those shared pages once per process. PSS divides them among the processes mapping
 * them, including Node processes outside this run, so a busy machine makes the total a little
 * lower; the private total (pages no other process maps) is printed as the floor.
 *
 * The run's state (certificates, run files) goes to a temporary directory, so a developer's
 * `.local-mesh/` is not touched; Postgres and Redis are found as `pnpm dev` finds them (DATABASE_URL
 * and REDIS_URL, else the local servers, else embedded ones, which are then part of the tree).
 *
 * Settings (environment): BENCH_DEV_SETTLE_SECONDS after the last walkthrough is ready (30: start-up garbage is still being collected 10 s after),
 * BENCH_DEV_SAMPLES taken 2 s apart, the median total reported (3),
 * BENCH_DEV_READY_TIMEOUT_SECONDS (300).
 *
 * The exit code is 0 whatever the goal says; it is 1 when the run could not be measured (it did
 * not become ready) or left processes behind, which are defects rather than figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { walkthroughs } from '@amw/mesh-manifests';
import { checkPortsFree } from './entry-ports.js';
import { commandLineOf, environmentOf, memoryOf, processTree, stillRunning, type Memory, type ProcessId } from './processes.js';
import { SettingError, setting } from './settings.js';
import { fixed, megabytes, table } from './stats.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');
const CLI = join(packageDir, 'dist/cli/main.js');

const GOAL_PSS_MB = 600;
const SAMPLE_GAP_MS = 2000;
const STOP_TIMEOUT_MS = 60_000;
/** The CLI prints one JSON line per walkthrough once all of them are up, as the e2e test reads them. */
const READY_LINE = '{"walkthrough"';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line = '') => process.stdout.write(`${line}\n`);

/** What a process is, for the breakdown: the CLI itself, a proxy, or an app by its package directory. */
function groupOf(pid: number, root: number): string {
  if (pid === root) return 'the CLI (control planes, supervisors, DogStatsD/X-Ray stand-ins)';
  const argv = commandLineOf(pid);
  if (argv.some((a) => a.endsWith('/proxy-main.js'))) {
    return environmentOf(pid).AMW_PROXY_KIND === 'kong' ? 'Kong stand-ins (proxy-main)' : 'Envoy stand-ins: sidecars, gateways (proxy-main)';
  }
  const app = argv.map((a) => /\/apps\/([^/]+)\//.exec(a)?.[1]).find(Boolean);
  if (app) return `app: ${app}`;
  return argv.length ? `other: ${basename(argv[1] ?? argv[0]!)}` : 'other: (gone)';
}

interface Sample {
  processes: { pid: number; group: string; memory: Memory }[];
  pss: number;
}

function sample(root: number): Sample {
  const processes = processTree(root).flatMap(({ pid }) => {
    try {
      return [{ pid, group: groupOf(pid, root), memory: memoryOf(pid) }];
    } catch {
      return []; // exited between the listing and the read
    }
  });
  return { processes, pss: processes.reduce((sum, p) => sum + p.memory.pss, 0) };
}

/** Resolves with the seconds it took once every walkthrough printed its ready line; rejects if the CLI exits first. */
function waitForReady(dev: ChildProcess, timeoutMs: number, onLine: (line: string) => void): Promise<number> {
  const started = Date.now();
  const ready = new Set<string>();
  let tail: string[] = [];
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`not every walkthrough was ready after ${timeoutMs / 1000} s (${ready.size} of ${walkthroughs.length}); last output:\n${tail.join('\n')}`)), timeoutMs);
    const take = (stream: NodeJS.ReadableStream) => {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          tail = [...tail, line].slice(-40);
          onLine(line);
          if (line.startsWith(READY_LINE)) {
            ready.add((JSON.parse(line) as { walkthrough: string }).walkthrough);
            if (ready.size === walkthroughs.length) {
              clearTimeout(timer);
              resolveReady((Date.now() - started) / 1000);
            }
          }
        }
      });
    };
    take(dev.stdout!);
    take(dev.stderr!);
    dev.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the CLI exited (${signal ?? `code ${code}`}) before every walkthrough was ready; last output:\n${tail.join('\n')}`));
    });
  });
}

async function main(): Promise<number> {
  const settleSeconds = setting('BENCH_DEV_SETTLE_SECONDS', 30, false);
  const samples = setting('BENCH_DEV_SAMPLES', 3, true);
  const readyTimeoutSeconds = setting('BENCH_DEV_READY_TIMEOUT_SECONDS', 300, false);
  if (!existsSync(CLI)) throw new SettingError(`${CLI} is missing: run \`pnpm build\` first (the root \`pnpm bench\` builds everything)`);
  await checkPortsFree();

  const stateDir = await mkdtemp(join(tmpdir(), 'amw-bench-dev-'));
  const loadBefore = loadavg();
  const dev = spawn(process.execPath, [CLI, 'dev'], {
    cwd: repoRoot,
    env: { ...process.env, AMW_LOCAL_MESH_STATE_DIR: stateDir, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Whatever ends this process, the run goes with it: SIGTERM lets the CLI stop its children.
  const stopOnExit = () => dev.kill('SIGTERM');
  process.once('exit', stopOnExit);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

  // Every process of the run, as it appears: the check at the end covers ones started and replaced meanwhile.
  const seen = new Map<string, ProcessId & { command: string }>();
  const record = () => {
    for (const id of processTree(dev.pid!)) {
      const k = `${id.pid}/${id.startTime}`;
      if (!seen.has(k)) seen.set(k, { ...id, command: commandLineOf(id.pid).join(' ') });
    }
  };
  const recorder = setInterval(record, 500);
  const backing: string[] = [];
  let exitCode = 0;
  try {
    say(`starting every walkthrough as \`pnpm dev\` does (node ${CLI.slice(repoRoot.length + 1)} dev), state in ${stateDir}`);
    const readySeconds = await waitForReady(dev, readyTimeoutSeconds * 1000, (line) => {
      if (/^▸ (Postgres|Redis):/.test(line)) backing.push(line.slice(2));
    });
    say(`all ${walkthroughs.length} walkthroughs ready after ${fixed(readySeconds, 1)} s; measuring ${settleSeconds} s later, ${samples} samples ${SAMPLE_GAP_MS / 1000} s apart`);
    await sleep(settleSeconds * 1000);
    const taken: Sample[] = [];
    for (let i = 0; i < samples; i++) {
      if (i > 0) await sleep(SAMPLE_GAP_MS);
      record();
      taken.push(sample(dev.pid!));
    }
    // The median sample: the first ones can still carry start-up garbage that the next collection frees.
    const chosen = [...taken].sort((a, b) => a.pss - b.pss)[Math.floor((taken.length - 1) / 2)]!;
    const loadAfter = loadavg();

    const stopStarted = Date.now();
    const exited = new Promise<void>((resolveExit) => dev.once('exit', () => resolveExit()));
    dev.kill('SIGTERM');
    const stoppedInTime = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
    const stopSeconds = (Date.now() - stopStarted) / 1000;
    clearInterval(recorder);
    // The CLI waits for its children before it exits; a moment more lets the kernel finish with them.
    await sleep(500);
    const leftBehind = [...seen.values()].filter(stillRunning);

    say();
    say(
      `pnpm dev memory: node ${process.version}, ${cpus().length} CPUs shared with other work, load average ` +
        `${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after.`,
    );
    say(`Backing services: ${backing.length ? backing.join('; ') : 'none reported'}.`);
    say(
      `The median of ${samples} samples by total PSS (totals ${taken.map((t) => megabytes(t.pss)).join(', ')} MB, in order), ` +
        `taken ${settleSeconds} s after all ${walkthroughs.length} walkthroughs were ready, idle:`,
    );
    const groups = new Map<string, Memory[]>();
    for (const p of chosen.processes) groups.set(p.group, [...(groups.get(p.group) ?? []), p.memory]);
    const total = (memories: Memory[], field: keyof Memory) => memories.reduce((sum, m) => sum + m[field], 0);
    const all = chosen.processes.map((p) => p.memory);
    say(
      table(
        ['processes', 'count', 'PSS MB', 'PSS per process', 'private MB', 'RSS MB'],
        [
          ...[...groups.entries()]
            .sort((a, b) => total(b[1], 'pss') - total(a[1], 'pss'))
            .map(([group, memories]) => [
              group,
              String(memories.length),
              megabytes(total(memories, 'pss')),
              megabytes(total(memories, 'pss') / memories.length),
              megabytes(total(memories, 'private')),
              megabytes(total(memories, 'rss')),
            ]),
          ['total', String(all.length), megabytes(total(all, 'pss')), megabytes(total(all, 'pss') / all.length), megabytes(total(all, 'private')), megabytes(total(all, 'rss'))],
        ],
      ),
    );
    const pssMb = chosen.pss / 1024;
    say();
    say(
      `Goal (issue #9)\n  [${pssMb <= GOAL_PSS_MB ? 'MET   ' : 'MISSED'}] pnpm dev (all six) ≤ ${GOAL_PSS_MB} MB PSS: ${fixed(pssMb, 1)} MB over ` +
        `${all.length} processes (private ${megabytes(total(all, 'private'))} MB; RSS summed, shared pages counted again in every process, ${megabytes(total(all, 'rss'))} MB)`,
    );
    if (!stoppedInTime) {
      say(`FAILED: the CLI did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM`);
      exitCode = 1;
    } else {
      say(`Stopped with SIGTERM in ${fixed(stopSeconds, 1)} s.`);
    }
    if (leftBehind.length > 0) {
      say(`FAILED: ${leftBehind.length} of the ${seen.size} processes seen during the run are still running after the CLI exited:`);
      for (const p of leftBehind) say(`  ${p.pid} ${p.command}`);
      exitCode = 1;
    } else {
      say(`No process left behind: none of the ${seen.size} processes seen during the run is still running.`);
    }
    say();
    return exitCode;
  } finally {
    clearInterval(recorder);
    process.off('exit', stopOnExit);
    if (dev.exitCode === null && dev.signalCode === null) {
      // Something above failed with the run still up: stop it the graceful way first.
      record();
      const exited = new Promise<void>((resolveExit) => dev.once('exit', () => resolveExit()));
      dev.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      await sleep(500);
    }
    // Ours to clean up, by pid, whatever went wrong above: the CLI and anything it left.
    for (const p of [...seen.values()].filter(stillRunning)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await rm(stateDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`local-mesh bench:dev-memory: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
