/**
 * How fast `pnpm dev` brings every walkthrough up from a warm start — on App Mesh, and from the
 * rendered Istio and Lattice files (`--target`) — judged against issue #11's goal: all of them on a
 * live target ready within 20 s, as fast as the App Mesh run. Each run is the built CLI's `dev`
 * (what the root `pnpm dev` runs once it has built), timed by the CLI itself from the start of the
 * first walkthrough to the last one ready, then stopped with SIGTERM as Ctrl-C would, with a check
 * that no process it started is left running. The three runs are interleaved over
 * BENCH_STARTUP_ROUNDS rounds (2) after one warm-up run, so a noisy moment on this shared machine
 * does not fall on one target only; the median of each is reported.
 *
 * The exit code is 0 whatever the goal says; 1 when a run could not be measured or left
 * processes behind.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPortsFree } from './entry-ports.js';
import { processTree, stillRunning, type ProcessId } from './processes.js';
import { SettingError, setting } from './settings.js';
import { fixed, median, table } from './stats.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');
const CLI = join(packageDir, 'dist/cli/main.js');
const GOAL_SECONDS = 20;
const READY = /^▸ (\d+) walkthroughs?(?: on (\S+))? ready in ([\d.]+)s$/;
const TARGETS = ['appmesh', 'istio', 'lattice'] as const;
type Target = (typeof TARGETS)[number];

const say = (line = '') => process.stdout.write(`${line}\n`);

interface Measured {
  walkthroughs: number;
  seconds: number;
  leftBehind: string[];
}

/** One `dev` run: the CLI's own ready time, then a clean stop. */
async function measure(target: Target): Promise<Measured> {
  const stateDir = await mkdtemp(join(tmpdir(), 'amw-bench-startup-'));
  const args = [CLI, 'dev', '--quiet', ...(target === 'appmesh' ? [] : ['--target', target])];
  const dev = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, AMW_LOCAL_MESH_STATE_DIR: stateDir, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stopOnExit = () => dev.kill('SIGTERM');
  process.once('exit', stopOnExit);
  const seen = new Map<string, ProcessId>();
  const recorder = setInterval(() => {
    for (const id of processTree(dev.pid!)) seen.set(`${id.pid}/${id.startTime}`, id);
  }, 250);
  try {
    const ready = await new Promise<{ walkthroughs: number; seconds: number }>((resolveReady, reject) => {
      let buffered = '';
      let tail: string[] = [];
      let found: { walkthroughs: number; seconds: number } | undefined;
      dev.stdout!.setEncoding('utf8');
      dev.stdout!.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          tail = [...tail, line].slice(-20);
          const match = READY.exec(line);
          if (match) found = { walkthroughs: Number(match[1]), seconds: Number(match[3]) };
          // The overview's line is the last one `dev` prints once everything is up.
          if (line.startsWith('{"overview"') && found) resolveReady(found);
        }
      });
      dev.stderr!.on('data', (chunk: Buffer) => (tail = [...tail, chunk.toString()].slice(-20)));
      dev.once('exit', (code) => reject(new Error(`dev${target === 'appmesh' ? '' : ` --target ${target}`} exited (${code}) before it was ready:\n${tail.join('\n')}`)));
    });
    const exited = new Promise((r) => dev.once('exit', r));
    dev.kill('SIGTERM');
    await exited;
    await new Promise((r) => setTimeout(r, 500));
    return { ...ready, leftBehind: [...seen.values()].filter(stillRunning).map((p) => String(p.pid)) };
  } finally {
    clearInterval(recorder);
    process.removeListener('exit', stopOnExit);
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const rounds = setting('BENCH_STARTUP_ROUNDS', 2, true);
  if (!existsSync(CLI)) throw new SettingError(`${CLI} is missing: run \`pnpm build\` first (the root \`pnpm bench\` builds everything)`);
  await checkPortsFree();
  const loadBefore = loadavg();
  say('warm-up: one `dev` run, so the figures below start warm (files cached, nothing compiled for the first time)');
  await measure('appmesh');
  const figures = new Map<Target, Measured[]>(TARGETS.map((t) => [t, []]));
  for (let round = 0; round < rounds; round++) {
    for (const target of TARGETS) {
      const measured = await measure(target);
      figures.get(target)!.push(measured);
      say(`round ${round + 1}: ${target.padEnd(7)} ${measured.walkthroughs} walkthroughs ready in ${fixed(measured.seconds, 1)} s`);
    }
  }
  const loadAfter = loadavg();
  const appMesh = median(figures.get('appmesh')!.map((m) => m.seconds));
  say();
  say(`pnpm dev start-up: node ${process.version}, ${cpus().length} CPUs shared with other work, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after; median of ${rounds} rounds.`);
  say(
    table(
      ['run', 'walkthroughs', 'ready (s)', 'vs App Mesh', `goal: ≤ ${GOAL_SECONDS} s`],
      TARGETS.map((target) => {
        const runs = figures.get(target)!;
        const seconds = median(runs.map((m) => m.seconds));
        const goal = target === 'appmesh' ? '(reference)' : seconds <= GOAL_SECONDS ? 'met' : 'missed';
        return [target === 'appmesh' ? 'App Mesh (pnpm dev)' : `--target ${target}`, String(runs[0]!.walkthroughs), fixed(seconds, 1), target === 'appmesh' ? '' : `${fixed(seconds / appMesh, 2)}×`, goal];
      }),
    ),
  );
  const left = [...figures.values()].flat().flatMap((m) => m.leftBehind);
  if (left.length) {
    say(`processes left behind after a stop: ${left.join(', ')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:targets-startup: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof SettingError ? 2 : 1);
  },
);
