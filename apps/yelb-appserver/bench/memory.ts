/**
 * Memory and throughput under load, before and after the Node flags of the production image.
 *
 * The built appserver (`dist/main.js`) runs as separate processes, each as a pod would run it:
 * "before" with no Node flags (how the image started it until now), "after" with the flags of
 * the Dockerfile's CMD (read from the Dockerfile, so the bench cannot drift from the image), and
 * optionally more sets from BENCH_MEMORY_FLAGS to try alternatives side by side. A load
 * generator in its own process (wrk when installed, else bench/load-generator.ts) drives the same
 * closed-loop load at each in turn, rounds rotating who goes first, while this process samples
 * every server's RSS from /proc. Throughput is compared round by round (after ÷ before in the
 * same round), so a busy neighbour hurts both alike.
 *
 * Goals: the production flags keep peak RSS at or under 100 MiB at 50 connections on getvotes,
 * and at least 95% of the throughput without them. Last, the appserver runs once more with those
 * flags and a preloaded leak, to measure the RSS at which V8 gives up; the pod memory request and
 * limit printed at the end follow from that and the peak.
 *
 * Tunables (environment): BENCH_MEMORY_CONNECTIONS (50), BENCH_MEMORY_SECONDS per round (3),
 * BENCH_MEMORY_ROUNDS (12), BENCH_MEMORY_WARMUP_SECONDS (3), BENCH_MEMORY_PATH (/api/getvotes),
 * BENCH_LOAD (`wrk` or `node`; default wrk when it is on PATH), BENCH_MEMORY_FLAGS (more sets of
 * Node flags to measure alongside: blank-separated flags, `;` between sets), BENCH_STRICT=1 to
 * exit 1 when a goal is missed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { COMPONENTS } from '@amw/mesh-manifests';
import { dockerCommand } from './production-command.js';

const settings = {
  connections: Number(process.env.BENCH_MEMORY_CONNECTIONS ?? 50),
  seconds: Number(process.env.BENCH_MEMORY_SECONDS ?? 3),
  rounds: Number(process.env.BENCH_MEMORY_ROUNDS ?? 12),
  warmupSeconds: Number(process.env.BENCH_MEMORY_WARMUP_SECONDS ?? 3),
  path: process.env.BENCH_MEMORY_PATH ?? '/api/getvotes',
  load: process.env.BENCH_LOAD ?? (onPath('wrk') ? 'wrk' : 'node'),
  candidateFlags: (process.env.BENCH_MEMORY_FLAGS ?? '')
    .split(';')
    .map((set) => set.trim())
    .filter(Boolean),
  strict: process.env.BENCH_STRICT === '1',
};

const GOAL = { maxRssMiB: 100, minThroughputRatio: 0.95 };
/**
 * Pod memory from measured figures: the request covers the peak under load; the limit adds half
 * again for what one load pattern does not show, and stays above the RSS at which the capped heap
 * makes V8 give up, so a runaway heap ends in V8's own error message rather than the kernel's
 * OOM kill.
 */
const POD = { headroom: 1.5, stepMiB: 16 };

/** Loaded before the appserver in the ceiling run: once it has started, keep objects forever. */
const LEAK = 'const kept = []; setTimeout(() => setInterval(() => { for (let i = 0; i < 500; i++) kept.push({ i, s: String(i).repeat(4) }); }, 2), 1000);';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const LOAD_GENERATOR = fileURLToPath(new URL('load-generator.ts', import.meta.url));
const SAMPLE_EVERY_MS = 50;

function onPath(program: string): boolean {
  try {
    execFileSync(program, ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk prints its version and exits 1; only a missing program is ENOENT.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

interface Variant {
  name: string;
  flags: string[];
  process: ChildProcess;
  url: string;
  stderr: string;
  idleKiB: number;
  peakKiB: number;
  rounds: { requests: number; seconds: number; cpuMs: number }[];
}

interface LoadResult {
  requests: number;
  seconds: number;
  non2xx: number;
  errors: number;
}

/** Resident set size in KiB, the figure `ps`, `top` and the kubelet's RSS report. */
function rssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  } catch {
    // Not Linux: ps reports the same figure, at the cost of a process per sample.
    return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) || 0;
  }
}

/** CPU time (user + system, every thread: GC helpers too) the process has used, in ms; NaN off Linux. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // utime and stime are fields 14 and 15, counted after the parenthesised command name, in 10 ms ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

const mib = (kib: number) => kib / 1024;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

function spawnAppserver(name: string, nodeArgs: string[], port: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, 'dist/main.js'], {
    cwd: PACKAGE_DIR,
    // Only what the image sets: NODE_OPTIONS or tsx hooks from this process would skew the figures.
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', RACK_ENV: 'production', LOG_LEVEL: 'info', HOSTNAME: `bench-${name}`, PORT: String(port), ...env },
    // The app still writes its log lines; nobody has to read them.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

async function start(name: string, flags: string[], env: Record<string, string>): Promise<Variant> {
  const port = await freePort();
  const child = spawnAppserver(name, flags, port, env);
  const variant: Variant = { name, flags, process: child, url: `http://127.0.0.1:${port}`, stderr: '', idleKiB: 0, peakKiB: 0, rounds: [] };
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    variant.stderr = (variant.stderr + text).slice(-4000);
  });
  // getvotes answers 200 only once the schema exists, so this also waits for start-up's schema work.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}: ${variant.stderr.trim()}`);
    if ((await status(variant.url + settings.path).catch(() => 0)) === 200) return variant;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer ${settings.path} within 30 s: ${variant.stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The RSS at which these flags make V8 stop the process ("JavaScript heap out of memory"): the
 * appserver starts with a preloaded module that keeps every object it makes, and we watch it die.
 * Undefined when the process dies otherwise, or not within a minute (an uncapped heap).
 */
async function heapCeilingKiB(flags: string[], env: Record<string, string>): Promise<number | undefined> {
  const child = spawnAppserver('ceiling', [...flags, `--import=data:text/javascript,${encodeURIComponent(LEAK)}`], await freePort(), env);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssKiB(child.pid!));
  }, 20);
  const giveUp = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await new Promise((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  clearTimeout(giveUp);
  return /heap out of memory/.test(stderr) ? peak : undefined;
}

function run(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${program} exited with ${code}: ${err.trim()}`))));
  });
}

async function load(url: string, seconds: number): Promise<LoadResult> {
  let result: LoadResult;
  if (settings.load === 'wrk') {
    const out = await run('wrk', ['-t2', `-c${settings.connections}`, `-d${seconds}s`, url]);
    const number = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? 0);
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    result = {
      requests: number(/(\d+) requests in/),
      seconds: number(/requests in ([\d.]+)s/),
      non2xx: number(/Non-2xx or 3xx responses: (\d+)/),
      errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    };
  } else {
    const out = await run(process.execPath, ['--import', 'tsx', LOAD_GENERATOR, url, String(settings.connections), String(seconds)]);
    result = JSON.parse(out) as LoadResult;
  }
  if (result.requests === 0 || result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.requests} answers, ${result.non2xx} non-2xx, ${result.errors} errors: the comparison would be meaningless`);
  }
  return result;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function quartiles(values: number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return [at(0.25), at(0.75)];
}

const cpuPerRequestUs = (v: Variant) => (v.rounds.reduce((sum, r) => sum + r.cpuMs, 0) * 1000) / v.rounds.reduce((sum, r) => sum + r.requests, 0);
const rate = (v: Variant) => v.rounds.reduce((sum, r) => sum + r.requests, 0) / v.rounds.reduce((sum, r) => sum + r.seconds, 0);
const roundUp = (value: number, step: number) => Math.ceil(value / step) * step;

async function main(): Promise<void> {
  if (!existsSync(new URL('../dist/main.js', import.meta.url))) {
    throw new Error('dist/main.js is missing: build first (`pnpm --filter @amw/yelb-appserver... build`)');
  }
  const postgres = await postgresForTests('bench_memory');
  const redis = await redisForTests();
  if (!postgres || !redis) throw new Error('the bench needs Postgres and Redis (see the message above)');

  // Read before this bench adds its own load: what other work the machine was doing.
  const othersLoad = loadavg()[0]!;
  const production = dockerCommand();
  const wanted: [string, string[]][] = [
    ['before', []],
    ['after', production.nodeFlags],
  ];
  settings.candidateFlags.forEach((set, i) => wanted.push([`candidate ${i + 1}`, set.split(/\s+/)]));

  const variants: Variant[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    const env = { DATABASE_URL: postgres.url, REDIS_URL: redis.url };
    for (const [name, flags] of wanted) variants.push(await start(name, flags, env));
    // Idle means started, schema made, one request served, and a moment to settle.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const v of variants) v.idleKiB = v.peakKiB = rssKiB(v.process.pid!);
    sampler = setInterval(() => {
      for (const v of variants) v.peakKiB = Math.max(v.peakKiB, rssKiB(v.process.pid!));
    }, SAMPLE_EVERY_MS);

    console.log(
      `yelb-appserver memory bench: GET ${settings.path}, ${settings.connections} keep-alive connections from ${settings.load === 'wrk' ? 'wrk -t2' : 'bench/load-generator.ts'}, ` +
        `${settings.rounds} rounds of ${settings.seconds}s per server after ${settings.warmupSeconds}s of warm-up, Node ${process.version}, ` +
        `load average ${othersLoad.toFixed(1)} on ${availableParallelism()} cores before it started`,
    );
    for (const v of variants) await load(v.url + settings.path, settings.warmupSeconds);
    for (let round = 0; round < settings.rounds; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      for (const v of order) {
        const cpuBefore = cpuMs(v.process.pid!);
        const { requests, seconds } = await load(v.url + settings.path, settings.seconds);
        v.rounds.push({ requests, seconds, cpuMs: cpuMs(v.process.pid!) - cpuBefore });
        process.stdout.write('.');
      }
    }
    clearInterval(sampler);
    process.stdout.write('\n\n');

    const before = variants[0]!;
    const roundRatios = (v: Variant) => v.rounds.map((r, i) => r.requests / r.seconds / (before.rounds[i]!.requests / before.rounds[i]!.seconds));
    const ratio = (v: Variant) => median(roundRatios(v));
    const header = `${'settings'.padEnd(13)}${'idle RSS'.padStart(10)}${'peak RSS'.padStart(10)}${'req/s'.padStart(9)}${'vs before'.padStart(11)}${'CPU/req'.padStart(10)}  node flags`;
    console.log(header);
    console.log('-'.repeat(header.length + 30));
    for (const v of variants) {
      console.log(
        `${v.name.padEnd(13)}${`${mib(v.idleKiB).toFixed(1)} Mi`.padStart(10)}${`${mib(v.peakKiB).toFixed(1)} Mi`.padStart(10)}` +
          `${rate(v).toFixed(0).padStart(9)}${`${(ratio(v) * 100).toFixed(0)}%`.padStart(11)}${`${cpuPerRequestUs(v).toFixed(0)} µs`.padStart(10)}  ${v.flags.join(' ') || '(none)'}`,
      );
    }
    console.log(
      '\nRSS in MiB (the unit of pod limits), peak over warm-up and rounds; req/s over all rounds; "vs before" is the median of the per-round ratios; ' +
        'CPU/req is the server process\'s CPU time (every thread) per answer',
    );

    const after = variants[1]!;
    const rssMet = mib(after.peakKiB) <= GOAL.maxRssMiB;
    const throughputMet = ratio(after) >= GOAL.minThroughputRatio;
    const [low, high] = quartiles(roundRatios(after));
    console.log(`\ngoal: peak RSS ≤ ${GOAL.maxRssMiB} MiB with the production flags: ${mib(after.peakKiB).toFixed(1)} MiB, ${rssMet ? 'met' : 'MISSED'}`);
    console.log(
      `goal: throughput ≥ ${GOAL.minThroughputRatio * 100}% of before: ${(ratio(after) * 100).toFixed(0)}% ` +
        `(${rate(after).toFixed(0)} vs ${rate(before).toFixed(0)} req/s; half the rounds between ${(low * 100).toFixed(0)}% and ${(high * 100).toFixed(0)}%), ${throughputMet ? 'met' : 'MISSED'}`,
    );

    const ceiling = await heapCeilingKiB(after.flags, env);
    const peakMiB = mib(after.peakKiB);
    const requestMiB = roundUp(peakMiB, POD.stepMiB);
    const limitMiB = roundUp(Math.max(peakMiB * POD.headroom, ceiling === undefined ? 0 : mib(ceiling)), POD.stepMiB);
    console.log(
      ceiling === undefined
        ? 'heap ceiling: not reached within a minute (is the old generation capped?)'
        : `heap ceiling: leaking with the production flags, V8 stops the process at ${mib(ceiling).toFixed(1)} MiB RSS`,
    );
    console.log(
      `pod memory from these figures: request ${requestMiB}Mi (the peak), limit ${limitMiB}Mi (the larger of peak × ${POD.headroom} and the heap ceiling), rounded up to ${POD.stepMiB} Mi`,
    );
    // The manifests carry these figures as constants; say when a new measurement disagrees with them.
    const rendered = COMPONENTS['yelb-appserver'].resources;
    const matches = rendered.requests.memory === `${requestMiB}Mi` && rendered.limits.memory === `${limitMiB}Mi`;
    console.log(
      `pod memory in the manifests (@amw/mesh-manifests, COMPONENTS['yelb-appserver']): request ${rendered.requests.memory}, limit ${rendered.limits.memory}, ` +
        (matches ? 'as measured' : 'DIFFERENT from this measurement: update them if the difference holds over several runs'),
    );
    if (!(rssMet && throughputMet) && settings.strict) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await Promise.all(
      variants.map(
        (v) =>
          new Promise<void>((resolve) => {
            if (v.process.exitCode !== null || v.process.signalCode !== null) return resolve();
            const kill = setTimeout(() => v.process.kill('SIGKILL'), 5000);
            v.process.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            v.process.kill('SIGTERM');
          }),
      ),
    );
    await postgres.drop();
    await redis.release();
  }
}

await main();
