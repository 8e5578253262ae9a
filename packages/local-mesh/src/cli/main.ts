/**
 * `pnpm walkthrough <command>`: run walkthroughs on this machine.
 *
 *   up <name> [--step s]     start one walkthrough (default: its last step); --bind-address 0.0.0.0 opens it to the network;
 *                            --target istio|lattice runs it from its rendered Istio or Lattice files instead of App Mesh
 *   step <name> <step>       move a running walkthrough to another step, without a restart
 *   check <name>             run the checks of its current step against it (on a target: passed, failed, expected to differ)
 *   status <name>            what a running walkthrough serves, as JSON
 *   list                     the walkthroughs, their steps and the live targets each runs from
 *   dev                      start every walkthrough at once (what `pnpm dev` runs); --target too
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command, CommanderError } from 'commander';
import { BindAddressError, LOOPBACK, exposureWarning, findRepoRoot, parseBindAddress } from '@amw/dev-stack';
import { colourCode, colourEnabled, paint, processAlive, type SupervisorEvent } from '@amw/dev-stack/supervisor';
import {
  LOCAL_PORT_BASE,
  checksAt,
  getWalkthrough,
  isWalkthroughName,
  liveTargetsOf,
  localPortBase,
  migrationReport,
  summaryLine,
  verdictLine,
  walkthroughs,
  type CheckCounts,
  type Walkthrough,
} from '@amw/mesh-manifests';
import { CheckClient, type TraceSegment } from '../checks/runner.js';
import { planTargetCheck } from '../checks/target-checks.js';
import { ResolveError } from '../control-plane/resolve.js';
import { isLocalTarget, LOCAL_TARGETS, RenderedFilesError, type LocalTarget } from '../targets/rendered-files.js';
import { startOverview, type Overview } from '../console/overview.js';
import { RunLockedError, WalkthroughRun, type RunEvent } from '../orchestrator/run.js';
import { PROXY_ENTRY } from '../orchestrator/launch.js';
import { ourApps } from '../our-apps.js';
import { databaseFor, findBacking, needsBacking, redisDbFor } from './backing.js';
import { guidePathFor } from './guide-path.js';

class UsageError extends Error {}
class ChecksFailed extends Error {}

const repoRoot = findRepoRoot();
/** Run files, certificates, the embedded Postgres: `.local-mesh/` unless a test points elsewhere. */
const stateDir = process.env.AMW_LOCAL_MESH_STATE_DIR || join(repoRoot, '.local-mesh');
/** Where `--target` reads the rendered folders (`k8s/…`) from: the repository, or a copy to experiment on. */
const renderedRoot = process.env.AMW_RENDERED_ROOT || repoRoot;
const colour = colourEnabled(process.stdout);

/** Stable local ports per walkthrough, so the URLs in the guides work: 20100, 20200, … */
export function portBaseOf(walkthrough: Walkthrough): number {
  return localPortBase(walkthroughs.indexOf(walkthrough));
}

function walkthroughArg(name: string): Walkthrough {
  if (!isWalkthroughName(name)) throw new UsageError(`unknown walkthrough "${name}"; choose one of: ${walkthroughs.map((w) => w.name).join(', ')}`);
  return getWalkthrough(name);
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function processReporter(quietOutput: boolean): (event: SupervisorEvent) => void {
  const prefix = (name: string, mark: string) => paint(`${name} ${mark}`, colourCode(name), colour);
  return (event) => {
    if (event.type === 'output') {
      if (!quietOutput) say(`${prefix(event.name, '|')} ${event.line}`);
    } else if (event.type === 'exited' && !event.expected) {
      say(`${prefix(event.name, '▸')} exited on its own (${event.signal ? `signal ${event.signal}` : `code ${event.code}`})`);
    } else if (event.type === 'restarting') {
      say(`${prefix(event.name, '▸')} starting it again in ${(event.delayMs / 1000).toFixed(1)}s (restart ${event.restarts}; see \`pnpm walkthrough status\`)`);
    } else if (event.type === 'waiting' && event.elapsedMs > 5000) {
      say(`${prefix(event.name, '▸')} still waiting for ${event.target}${event.reason ? ` (${event.reason})` : ''}`);
    }
  };
}

function runReporter(event: RunEvent): void {
  switch (event.type) {
    case 'step':
      say(`▸ ${event.walkthrough}: applying step "${event.step}" (${event.starting} to start, ${event.stopping} to stop)`);
      break;
    case 'configured':
      say(`▸ ${event.walkthrough}: configuration v${event.version} sent to ${event.proxies} proxies`);
      break;
    case 'instance-ready':
      say(`  ✓ ${event.name} ready (${(event.elapsedMs / 1000).toFixed(1)}s)`);
      break;
    case 'step-failed':
      say(`▸ ${event.walkthrough}: step "${event.step}" failed (${event.reason}); back at step "${event.restoredStep}"`);
      break;
  }
}

function checkBuilt(): void {
  const entries = [join(repoRoot, PROXY_ENTRY), ...ourApps().apps.map((app) => app.entry)];
  const missing = entries.filter((p) => !existsSync(p)).map((p) => relative(repoRoot, p));
  if (missing.length > 0) throw new UsageError(`not built yet: ${missing.join(', ')}; run \`pnpm build\` (or \`pnpm walkthrough …\` from the repository root, which builds first)`);
}

function printReady(run: WalkthroughRun): void {
  const { entries, admin } = run.urls;
  say('');
  say(`${run.walkthrough.name} is ready at step "${run.step}" — ${run.walkthrough.title}`);
  for (const entry of run.walkthrough.entries) {
    const at = entries[entry.name];
    if (!at) continue;
    const hint = entry.kind === 'exec' ? `(as ${entry.workload.name}: curl -x ${at} <url>)` : entry.kind === 'envoy-admin' ? '(Envoy admin)' : '';
    say(`  ${entry.name.padEnd(18)} ${at.padEnd(24)} ${entry.title} ${hint}`.trimEnd());
  }
  // Entries a target run adds: on Lattice, the client pods that call the services by their Lattice names.
  for (const name of run.clientEntries) {
    const at = entries[name];
    if (!at || run.walkthrough.entries.some((e) => e.name === name)) continue;
    say(`  ${name.padEnd(18)} ${at.padEnd(24)} a client pod, calling the Lattice services by name (as it: curl -x ${at} <url>)`);
  }
  say(`  ${(run.target === 'lattice' ? 'proxy admin' : 'Envoy admin').padEnd(18)} ${Object.entries(admin).map(([n, u]) => `${n} ${u}`).join(', ')}`);
  say(`  ${'console'.padEnd(18)} ${run.consoleUrl.padEnd(24)} the mesh console: topology, health and weighted splits, live`);
  say(`  steps: ${run.walkthrough.steps.map((s) => (s.name === run.step ? `[${s.name}]` : s.name)).join(' → ')}   (pnpm walkthrough step ${run.walkthrough.name} <step>)`);
  say(`  guide: ${guidePathFor(run.walkthrough.name)}`);
}

/** One run per walkthrough: a second would fight the first for its ports and its run file. */
function refuseIfRunning(list: Walkthrough[]): void {
  for (const walkthrough of list) {
    const file = join(stateDir, 'run', `${walkthrough.name}.json`);
    if (!existsSync(file)) continue;
    const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
    if (pid !== process.pid && processAlive(pid)) {
      throw new UsageError(`${walkthrough.name} is already running (pid ${pid}); stop it with Ctrl-C there, or use \`pnpm walkthrough step ${walkthrough.name} <step>\``);
    }
  }
}

function bindAddressArg(raw: string): string {
  try {
    return parseBindAddress(raw);
  } catch (error) {
    if (error instanceof BindAddressError) throw new UsageError(error.message);
    throw error;
  }
}

function targetArg(raw: string): LocalTarget {
  if (!isLocalTarget(raw)) throw new UsageError(`unknown target "${raw}"; choose ${LOCAL_TARGETS.join(' or ')} (without --target the walkthrough runs on App Mesh)`);
  return raw;
}

/** A walkthrough the target renders: an ECS walkthrough has no Istio or Lattice files. */
function coveredBy(walkthrough: Walkthrough, target: LocalTarget | undefined): boolean {
  return target === undefined || (liveTargetsOf(walkthrough) as string[]).includes(target);
}

function requireCovered(walkthrough: Walkthrough, target: LocalTarget | undefined): void {
  if (coveredBy(walkthrough, target)) return;
  throw new UsageError(
    `walkthrough ${walkthrough.name} runs on ${walkthrough.platform.toUpperCase()} and is rendered for ${liveTargetsOf(walkthrough).join(', ')}, not ${target}; run it without --target (App Mesh), or pick an EKS walkthrough`,
  );
}

const TARGET_HELP = `run from the walkthrough's rendered files for a live target (${LOCAL_TARGETS.join(', ')}) instead of its App Mesh objects`;

const BIND_ADDRESS_HELP = 'where the apps and proxy listeners listen: 127.0.0.1 (default, this machine only), or 0.0.0.0 or :: to let other machines call them';

/** The overview's port: the block below the first walkthrough's, which no walkthrough uses. */
const OVERVIEW_PORT = LOCAL_PORT_BASE;

async function startRuns(list: Walkthrough[], options: { step?: string; quiet: boolean; bindAddress: string; overview?: boolean; target?: LocalTarget }): Promise<WalkthroughRun[]> {
  const startedAt = Date.now();
  checkBuilt();
  refuseIfRunning(list);
  const warning = exposureWarning(options.bindAddress, 'the walkthroughs’ apps and proxy listeners');
  if (warning) process.stderr.write(`walkthrough: ${warning}\n`);
  const needs = list.map(needsBacking).reduce((a, b) => ({ postgres: a.postgres || b.postgres, redis: a.redis || b.redis }), { postgres: false, redis: false });
  const backing = await findBacking(needs, say);
  for (const line of backing.describe) say(`▸ ${line}`);
  const runs: WalkthroughRun[] = [];
  let overview: Overview | undefined;
  let stopping = false;
  const stopAll = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n▸ ${signal}: stopping every process`);
    await Promise.all([...runs.map((r) => r.stop()), overview?.close()]);
    for (const service of backing.services) await service.stop();
    say('▸ stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));
  try {
    for (const walkthrough of list) {
      const run = await WalkthroughRun.start({
        walkthrough,
        ...(options.step ? { step: options.step } : {}),
        repoRoot,
        stateDir,
        portBase: portBaseOf(walkthrough),
        backing: backing.urls,
        databaseName: databaseFor(walkthrough),
        redisDb: redisDbFor(backing.urls.redis, walkthrough),
        onEvent: runReporter,
        onProcessEvent: processReporter(options.quiet),
        bindAddress: options.bindAddress,
        ...(options.target ? { target: options.target, renderedRoot } : {}),
      });
      runs.push(run);
    }
    if (options.overview) overview = await startOverview(runs, OVERVIEW_PORT);
  } catch (error) {
    // Nothing half-started stays behind: the runs already up and the backing servers go too.
    await Promise.all(runs.map((r) => r.stop()));
    for (const service of backing.services) await service.stop();
    if (error instanceof RunLockedError) throw new UsageError(error.message);
    // A rendered file the local control plane cannot read or honour: nothing was started.
    if (error instanceof RenderedFilesError || (options.target && error instanceof ResolveError)) throw new UsageError(error.message);
    throw error;
  }
  for (const run of runs) printReady(run);
  if (overview) {
    say('');
    say(`▸ every walkthrough, its step, health and console: ${overview.url}`);
  }
  say(`▸ ${runs.length} walkthrough${runs.length === 1 ? '' : 's'}${options.target ? ` on ${options.target}` : ''} ready in ${((Date.now() - startedAt) / 1000).toFixed(1)}s`);
  say('');
  for (const run of runs) say(JSON.stringify(run.readyLine()));
  if (overview) say(JSON.stringify({ overview: overview.url }));
  return runs;
}

interface RunFile {
  pid: number;
  controlPlane: string;
  step: string;
  /** `appmesh`, or the live target the run was started from (absent in a run file of an older build). */
  target?: string;
  entries: Record<string, string>;
  /** On Lattice, the entries that are client pods (proxies, like `exec` entries). */
  clients?: string[];
}

function readRunFile(walkthrough: Walkthrough): RunFile {
  const file = join(stateDir, 'run', `${walkthrough.name}.json`);
  if (!existsSync(file)) throw new UsageError(`${walkthrough.name} is not running; start it with \`pnpm walkthrough up ${walkthrough.name}\``);
  return JSON.parse(readFileSync(file, 'utf8')) as RunFile;
}

/** The target a command means: the one asked for, which must be the running one's; else the running one's. */
function runTarget(walkthrough: Walkthrough, run: RunFile, asked: LocalTarget | undefined): LocalTarget | undefined {
  const running = run.target && run.target !== 'appmesh' ? run.target : undefined;
  if (asked !== undefined && asked !== running) {
    throw new UsageError(`${walkthrough.name} is running on ${running ?? 'App Mesh'}, not ${asked}; drop --target, or stop it and start it with \`pnpm walkthrough up ${walkthrough.name} --target ${asked}\``);
  }
  return running !== undefined && isLocalTarget(running) ? running : undefined;
}

/**
 * Runs the checks that hold at the running walkthrough's step. On a live target a check the
 * target cannot carry is expected to differ (the migration report says why) and is not a failure.
 * True when nothing failed.
 */
async function runChecks(walkthrough: Walkthrough, samples: number | undefined, asked: LocalTarget | undefined): Promise<boolean> {
  const run = readRunFile(walkthrough);
  const target = runTarget(walkthrough, run, asked);
  const entryKinds: Record<string, 'load-balancer' | 'exec' | 'envoy-admin'> = Object.fromEntries(walkthrough.entries.map((e) => [e.name, e.kind]));
  // On Lattice a client pod calls the services by their Lattice names: it is a proxy, like an exec entry.
  for (const name of run.clients ?? []) entryKinds[name] = 'exec';
  const clientEntry = run.clients?.[0];
  const client = new CheckClient({
    entries: () => run.entries,
    entryKinds,
    trace: async (id) => (await callRun(walkthrough, `/v1/traces/${encodeURIComponent(id)}`)) as TraceSegment[],
    ...(samples ? { minSamples: samples } : {}),
  });
  const report = target ? migrationReport(walkthrough, target) : undefined;
  const counts: CheckCounts = { passed: 0, failed: 0, differs: 0 };
  try {
    for (const check of checksAt(walkthrough, run.step)) {
      const plan = target && report ? planTargetCheck(walkthrough, target, run.step, check, report, clientEntry) : { run: check, expectation: 'same' as const };
      if (!plan.run) {
        counts.differs++;
        say(verdictLine(check, 'differs', target, plan.note, false));
        continue;
      }
      const toRun = plan.run;
      const outcome = await client.run(toRun).catch((error: unknown) => ({ check: toRun, ok: false, lines: [error instanceof Error ? error.message : String(error)] }));
      const verdict = !outcome.ok ? 'failed' : plan.expectation === 'differs' ? 'differs' : 'passed';
      counts[verdict]++;
      say(verdictLine(check, verdict, target, plan.expectation === 'differs' ? (plan.note ?? '') : undefined));
      for (const line of outcome.lines) say(`    ${line}`);
    }
  } finally {
    client.close();
  }
  say(summaryLine(counts, target));
  return counts.failed === 0;
}

async function callRun(walkthrough: Walkthrough, path: string, method = 'GET'): Promise<unknown> {
  const { controlPlane } = readRunFile(walkthrough);
  let res: Response;
  try {
    res = await fetch(new URL(path, controlPlane), { method });
  } catch {
    throw new UsageError(`${walkthrough.name} is not answering at ${controlPlane}; it may have stopped — start it again with \`pnpm walkthrough up ${walkthrough.name}\``);
  }
  const body = (await res.json()) as { error?: string };
  if (!res.ok) throw new UsageError(body.error ?? `${method} ${path} answered ${res.status}`);
  return body;
}

export function program(): Command {
  const cli = new Command('walkthrough')
    .description('Run the App Mesh walkthroughs on this machine, through the local mesh.')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  cli
    .command('up')
    .argument('<name>', 'walkthrough name')
    .option('--step <step>', 'start at this step (default: the last one)')
    .option('--quiet', 'hide the processes’ own output')
    .option('--bind-address <ip>', BIND_ADDRESS_HELP, bindAddressArg, LOOPBACK)
    .option('--target <target>', TARGET_HELP, targetArg)
    .description('start a walkthrough and keep it running until Ctrl-C')
    .action(async (name: string, opts: { step?: string; quiet?: boolean; bindAddress: string; target?: LocalTarget }) => {
      const walkthrough = walkthroughArg(name);
      requireCovered(walkthrough, opts.target);
      if (opts.step && !walkthrough.steps.some((s) => s.name === opts.step)) {
        throw new UsageError(`walkthrough ${name} has no step "${opts.step}"; its steps are: ${walkthrough.steps.map((s) => s.name).join(', ')}`);
      }
      await startRuns([walkthrough], { ...(opts.step ? { step: opts.step } : {}), quiet: Boolean(opts.quiet), bindAddress: opts.bindAddress, ...(opts.target ? { target: opts.target } : {}) });
      await new Promise(() => {});
    });
  cli
    .command('dev')
    .option('--quiet', 'hide the processes’ own output')
    .option('--bind-address <ip>', BIND_ADDRESS_HELP, bindAddressArg, LOOPBACK)
    .option('--target <target>', `${TARGET_HELP}; walkthroughs the target does not render are left out`, targetArg)
    .description('start every walkthrough at once, each on its own ports')
    .action(async (opts: { quiet?: boolean; bindAddress: string; target?: LocalTarget }) => {
      const skipped = walkthroughs.filter((w) => !coveredBy(w, opts.target));
      for (const w of skipped) say(`▸ ${w.name} runs on ${w.platform.toUpperCase()} and has no ${opts.target} rendering: not started (\`pnpm walkthrough up ${w.name}\` runs it on App Mesh)`);
      await startRuns(
        walkthroughs.filter((w) => coveredBy(w, opts.target)),
        { quiet: Boolean(opts.quiet), bindAddress: opts.bindAddress, overview: true, ...(opts.target ? { target: opts.target } : {}) },
      );
      await new Promise(() => {});
    });
  cli
    .command('step')
    .argument('<name>', 'walkthrough name')
    .argument('<step>', 'step to move to')
    .option('--target <target>', 'the target the run was started with (checked, not changed)', targetArg)
    .description('move a running walkthrough to another step, as kubectl apply would')
    .action(async (name: string, step: string, opts: { target?: LocalTarget }) => {
      const walkthrough = walkthroughArg(name);
      requireCovered(walkthrough, opts.target);
      runTarget(walkthrough, readRunFile(walkthrough), opts.target);
      if (!walkthrough.steps.some((s) => s.name === step)) {
        throw new UsageError(`walkthrough ${name} has no step "${step}"; its steps are: ${walkthrough.steps.map((s) => s.name).join(', ')}`);
      }
      say(JSON.stringify(await callRun(walkthrough, `/v1/steps/${encodeURIComponent(step)}`, 'POST')));
    });
  cli
    .command('check')
    .argument('<name>', 'walkthrough name')
    .option('--samples <n>', 'at least this many requests for each weighted split', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--samples must be a positive integer, got "${v}"`);
      return n;
    })
    .option('--target <target>', 'the target the run was started with (checked, not changed)', targetArg)
    .description('run the checks of the walkthrough’s current step against it, as the guide does by hand')
    .action(async (name: string, opts: { samples?: number; target?: LocalTarget }) => {
      const walkthrough = walkthroughArg(name);
      requireCovered(walkthrough, opts.target);
      if (!(await runChecks(walkthrough, opts.samples, opts.target))) throw new ChecksFailed();
    });
  cli
    .command('status')
    .argument('<name>', 'walkthrough name')
    .option('--target <target>', 'the target the run was started with (checked, not changed)', targetArg)
    .description('what a running walkthrough serves, as JSON')
    .action(async (name: string, opts: { target?: LocalTarget }) => {
      const walkthrough = walkthroughArg(name);
      requireCovered(walkthrough, opts.target);
      runTarget(walkthrough, readRunFile(walkthrough), opts.target);
      say(JSON.stringify(await callRun(walkthrough, '/v1/state'), null, 2));
    });
  cli
    .command('list')
    .description('the walkthroughs, their ports and steps, and the live targets each can run from (--target)')
    .action(() => {
      for (const w of walkthroughs) {
        const targets = LOCAL_TARGETS.filter((t) => coveredBy(w, t));
        say(`${w.name.padEnd(28)} ${w.platform.toUpperCase().padEnd(4)} ports ${portBaseOf(w)}+  steps: ${w.steps.map((s) => s.name).join(' → ')}  --target: ${targets.length ? targets.join(', ') : 'none'}`);
      }
    });
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof ChecksFailed) return 1;
    if (error instanceof UsageError) {
      process.stderr.write(`walkthrough: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`walkthrough: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => {
    if (code !== 0) process.exit(code);
  });
}
