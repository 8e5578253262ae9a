/**
 * `pnpm walkthrough <command>`: run walkthroughs on this machine.
 *
 *   up <name> [--step s]     start one walkthrough (default: its last step); --bind-address 0.0.0.0 opens it to the network
 *   step <name> <step>       move a running walkthrough to another step, without a restart
 *   check <name>             run the checks of its current step against it
 *   status <name>            what a running walkthrough serves, as JSON
 *   list                     the walkthroughs and their steps
 *   dev                      start every walkthrough at once (what `pnpm dev` runs)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command, CommanderError } from 'commander';
import { BindAddressError, LOOPBACK, exposureWarning, findRepoRoot, parseBindAddress } from '@amw/dev-stack';
import { colourCode, colourEnabled, paint, processAlive, type SupervisorEvent } from '@amw/dev-stack/supervisor';
import { LOCAL_PORT_BASE, checksAt, getWalkthrough, isWalkthroughName, localPortBase, walkthroughs, type Walkthrough } from '@amw/mesh-manifests';
import { CheckClient, type TraceSegment } from '../checks/runner.js';
import { startOverview, type Overview } from '../console/overview.js';
import { RunLockedError, WalkthroughRun, type RunEvent } from '../orchestrator/run.js';
import { PROXY_ENTRY } from '../orchestrator/launch.js';
import { ourApps } from '../our-apps.js';
import { databaseFor, findBacking, needsBacking, redisDbFor } from './backing.js';

class UsageError extends Error {}
class ChecksFailed extends Error {}

const repoRoot = findRepoRoot();
/** Run files, certificates, the embedded Postgres: `.local-mesh/` unless a test points elsewhere. */
const stateDir = process.env.AMW_LOCAL_MESH_STATE_DIR || join(repoRoot, '.local-mesh');
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
  say(`  ${'Envoy admin'.padEnd(18)} ${Object.entries(admin).map(([n, u]) => `${n} ${u}`).join(', ')}`);
  say(`  ${'console'.padEnd(18)} ${run.consoleUrl.padEnd(24)} the mesh console: topology, health and weighted splits, live`);
  say(`  steps: ${run.walkthrough.steps.map((s) => (s.name === run.step ? `[${s.name}]` : s.name)).join(' → ')}   (pnpm walkthrough step ${run.walkthrough.name} <step>)`);
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

const BIND_ADDRESS_HELP = 'where the apps and proxy listeners listen: 127.0.0.1 (default, this machine only), or 0.0.0.0 or :: to let other machines call them';

/** The overview's port: the block below the first walkthrough's, which no walkthrough uses. */
const OVERVIEW_PORT = LOCAL_PORT_BASE;

async function startRuns(list: Walkthrough[], options: { step?: string; quiet: boolean; bindAddress: string; overview?: boolean }): Promise<WalkthroughRun[]> {
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
      });
      runs.push(run);
    }
    if (options.overview) overview = await startOverview(runs, OVERVIEW_PORT);
  } catch (error) {
    // Nothing half-started stays behind: the runs already up and the backing servers go too.
    await Promise.all(runs.map((r) => r.stop()));
    for (const service of backing.services) await service.stop();
    if (error instanceof RunLockedError) throw new UsageError(error.message);
    throw error;
  }
  for (const run of runs) printReady(run);
  if (overview) {
    say('');
    say(`▸ every walkthrough, its step, health and console: ${overview.url}`);
  }
  say('');
  for (const run of runs) say(JSON.stringify(run.readyLine()));
  if (overview) say(JSON.stringify({ overview: overview.url }));
  return runs;
}

interface RunFile {
  pid: number;
  controlPlane: string;
  step: string;
  entries: Record<string, string>;
}

function readRunFile(walkthrough: Walkthrough): RunFile {
  const file = join(stateDir, 'run', `${walkthrough.name}.json`);
  if (!existsSync(file)) throw new UsageError(`${walkthrough.name} is not running; start it with \`pnpm walkthrough up ${walkthrough.name}\``);
  return JSON.parse(readFileSync(file, 'utf8')) as RunFile;
}

/** Runs the checks that hold at the running walkthrough's step; true when all pass. */
async function runChecks(walkthrough: Walkthrough, samples: number | undefined): Promise<boolean> {
  const run = readRunFile(walkthrough);
  const client = new CheckClient({
    entries: () => run.entries,
    entryKinds: Object.fromEntries(walkthrough.entries.map((e) => [e.name, e.kind])),
    trace: async (id) => (await callRun(walkthrough, `/v1/traces/${encodeURIComponent(id)}`)) as TraceSegment[],
    ...(samples ? { minSamples: samples } : {}),
  });
  let allOk = true;
  try {
    for (const check of checksAt(walkthrough, run.step)) {
      const outcome = await client.run(check).catch((error: unknown) => ({ check, ok: false, lines: [error instanceof Error ? error.message : String(error)] }));
      allOk &&= outcome.ok;
      say(`${outcome.ok ? '✓' : '✗'} ${check.title}`);
      for (const line of outcome.lines) say(`    ${line}`);
    }
  } finally {
    client.close();
  }
  return allOk;
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
    .description('start a walkthrough and keep it running until Ctrl-C')
    .action(async (name: string, opts: { step?: string; quiet?: boolean; bindAddress: string }) => {
      const walkthrough = walkthroughArg(name);
      if (opts.step && !walkthrough.steps.some((s) => s.name === opts.step)) {
        throw new UsageError(`walkthrough ${name} has no step "${opts.step}"; its steps are: ${walkthrough.steps.map((s) => s.name).join(', ')}`);
      }
      await startRuns([walkthrough], { ...(opts.step ? { step: opts.step } : {}), quiet: Boolean(opts.quiet), bindAddress: opts.bindAddress });
      await new Promise(() => {});
    });
  cli
    .command('dev')
    .option('--quiet', 'hide the processes’ own output')
    .option('--bind-address <ip>', BIND_ADDRESS_HELP, bindAddressArg, LOOPBACK)
    .description('start every walkthrough at once, each on its own ports')
    .action(async (opts: { quiet?: boolean; bindAddress: string }) => {
      await startRuns([...walkthroughs], { quiet: Boolean(opts.quiet), bindAddress: opts.bindAddress, overview: true });
      await new Promise(() => {});
    });
  cli
    .command('step')
    .argument('<name>', 'walkthrough name')
    .argument('<step>', 'step to move to')
    .description('move a running walkthrough to another step, as kubectl apply would')
    .action(async (name: string, step: string) => {
      const walkthrough = walkthroughArg(name);
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
    .description('run the checks of the walkthrough’s current step against it, as the guide does by hand')
    .action(async (name: string, opts: { samples?: number }) => {
      if (!(await runChecks(walkthroughArg(name), opts.samples))) throw new ChecksFailed();
    });
  cli
    .command('status')
    .argument('<name>', 'walkthrough name')
    .description('what a running walkthrough serves, as JSON')
    .action(async (name: string) => {
      say(JSON.stringify(await callRun(walkthroughArg(name), '/v1/state'), null, 2));
    });
  cli
    .command('list')
    .description('the walkthroughs and their steps')
    .action(() => {
      for (const w of walkthroughs) say(`${w.name.padEnd(28)} ${w.platform.toUpperCase().padEnd(4)} ports ${portBaseOf(w)}+  steps: ${w.steps.map((s) => s.name).join(' → ')}`);
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
