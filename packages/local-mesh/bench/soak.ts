/**
 * Fault and soak run (issue #9): a Yelb walkthrough under steady load while its parts fail one
 * at a time, with figures. It answers two questions a learner's laptop (or a workshop room) asks
 * of the local mesh: does every fault heal by itself, and how fast; and is a vote that was
 * acknowledged ever lost.
 *
 * 1. Starts the walkthrough (default yelb-canary-observability, at its last step) with a fresh
 *    Postgres database and Redis logical database from `@amw/dev-stack/testing`, as the e2e
 *    tests do, but with both servers reached through TCP relays this script owns, so an outage
 *    is the relay closing and cutting its connections: the machine's real servers are shared and
 *    are never stopped.
 * 2. Sends open-loop load through the UI's load balancer entry (votes, /api/getvotes and
 *    /api/getstats, so both Postgres and Redis are on the path) and, after a calm baseline,
 *    injects in turn: (a) SIGKILL of the appserver that serves the traffic, (b) SIGKILL of its
 *    sidecar, (c) Postgres down for a few seconds, (d) Redis down for a few seconds. Each phase
 *    lasts until the fault has healed and a calm stretch followed, bounded by the recovery goal.
 * 3. Prints per phase what was sent, what succeeded, failures by cause, time to recover and the
 *    restarts the supervisor made; then votes acknowledged (2xx per restaurant) against votes
 *    in Postgres (read directly, bypassing the mesh) and through /api/getvotes; and a verdict per
 *    goal. Exit code 0 whatever the verdicts (a benchmark), 1 on a miss with BENCH_STRICT=1.
 * 4. Stops everything, checks that no process it started is still alive, drops the database and
 *    releases the Redis database.
 *
 * Settings (environment): BENCH_SOAK_WALKTHROUGH (yelb-canary-observability; yelb-multi-account
 * works too), BENCH_SOAK_STEP (the last one; `canary` splits the traffic over two appservers, so
 * a retry after a kill reaches the other one), BENCH_SOAK_RATE req/s (50), BENCH_SOAK_BASELINE_SECONDS (8),
 * BENCH_SOAK_PHASE_SECONDS, the least time from a fault to the next (15),
 * BENCH_SOAK_OUTAGE_SECONDS for Postgres and Redis (5), BENCH_SOAK_STREAK, the consecutive
 * successes that mean "recovered" (10), BENCH_SOAK_RECOVERY_GOAL_SECONDS (30),
 * BENCH_SOAK_TIMEOUT_SECONDS per request (15), BENCH_STRICT=1.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@amw/dev-stack';
import { processAlive, type SupervisorEvent } from '@amw/dev-stack/supervisor';
import { postgresForTests, redisForTests, type TestPostgres, type TestRedis } from '@amw/dev-stack/testing';
import { getWalkthrough } from '@amw/mesh-manifests';
import { createPool } from '@amw/yelb-appserver';
import { instanceLabel, type Instance } from '../src/control-plane/world.js';
import { WalkthroughRun, type ProcessState } from '../src/orchestrator/run.js';
import { SettingError, setting } from './settings.js';
import { OpenLoopLoad, RESTAURANTS, type Outcome } from './soak-load.js';
import { TcpRelay } from './soak-relay.js';
import { countGaps, emptyTally, millis, phaseFigures, recoveredAt, seconds, table, total, voteTallies, type PhaseRecord, type Tally } from './soak-report.js';

interface Settings {
  walkthrough: string;
  step: string | undefined;
  rate: number;
  baselineMs: number;
  phaseMs: number;
  outageMs: number;
  streak: number;
  recoveryGoalMs: number;
  timeoutMs: number;
  strict: boolean;
}

function readSettings(): Settings {
  return {
    walkthrough: process.env.BENCH_SOAK_WALKTHROUGH || 'yelb-canary-observability',
    step: process.env.BENCH_SOAK_STEP || undefined,
    rate: setting('BENCH_SOAK_RATE', 50, false),
    baselineMs: setting('BENCH_SOAK_BASELINE_SECONDS', 8, false) * 1000,
    phaseMs: setting('BENCH_SOAK_PHASE_SECONDS', 15, false) * 1000,
    outageMs: setting('BENCH_SOAK_OUTAGE_SECONDS', 5, false) * 1000,
    streak: setting('BENCH_SOAK_STREAK', 10, true),
    recoveryGoalMs: setting('BENCH_SOAK_RECOVERY_GOAL_SECONDS', 30, false) * 1000,
    timeoutMs: setting('BENCH_SOAK_TIMEOUT_SECONDS', 15, false) * 1000,
    strict: process.env.BENCH_STRICT === '1',
  };
}

/** Calm after a recovery before the next fault, so the next phase starts from a healed mesh. */
const CALM_MS = 3000;

class Interrupted extends Error {}
let interrupted = false;

const startedAt = performance.now();
function progress(line: string): void {
  process.stderr.write(`[soak ${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
}

async function sleep(ms: number): Promise<void> {
  const until = performance.now() + ms;
  // In slices, so Ctrl-C does not wait out a long calm period before cleaning up.
  while (!interrupted && performance.now() < until) await new Promise((r) => setTimeout(r, Math.min(250, until - performance.now())));
  if (interrupted) throw new Interrupted('interrupted');
}

async function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** Polls until `check` holds, or fails with `what` after `timeoutMs`. */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/**
 * The appserver instance the UI's traffic reaches now, told by what /api/hostname answers: v2
 * says `ApplicationVersion2`, v1 its pod name. At the canary walkthrough's last step that is v2,
 * but asking keeps the script right for any step or walkthrough.
 */
async function servingAppserver(run: WalkthroughRun, ui: string): Promise<Instance> {
  const appservers = run.instanceList().filter((i) => i.workload.spec.component === 'yelb-appserver');
  let answer: string | undefined;
  await until('a 200 from /api/hostname through the UI', 60_000, async () => {
    const res = await httpGet(`${ui}/api/hostname`);
    answer = res?.status === 200 ? res.body.trim() : undefined;
    return answer !== undefined;
  });
  const found =
    answer === 'ApplicationVersion2' ? appservers.find((i) => i.workload.spec.env?.APP_VERSION === 'v2') : appservers.find((i) => i.podName === answer);
  if (!found) throw new Error(`/api/hostname answered ${JSON.stringify(answer)}, which is none of the appservers (${appservers.map((i) => i.podName).join(', ')})`);
  return found;
}

function stateOf(run: WalkthroughRun, name: string): ProcessState {
  const state = run.processStates().find((p) => p.name === name);
  if (!state) throw new Error(`no process named ${name}; the run has ${run.processStates().map((p) => p.name).join(', ')}`);
  return state;
}

/** Sums a proxy's `upstream_rq_retry` counters for clusters whose name contains `cluster`. */
async function retriesTo(adminUrl: string | undefined, cluster: string): Promise<number | undefined> {
  if (!adminUrl) return undefined;
  const res = await httpGet(`${adminUrl}/stats?filter=upstream_rq_retry`);
  if (res?.status !== 200) return undefined;
  let sum = 0;
  for (const [, name, value] of res.body.matchAll(/^cluster\.(\S+)\.upstream_rq_retry: (\d+)$/gm)) if (name!.includes(cluster)) sum += Number(value);
  return sum;
}

interface Fault {
  id: string;
  title: string;
  /** Breaks something; returns what the phase table should say about it. */
  inject(): Promise<string>;
  /** Outage faults: brings it back after the outage. */
  restore?(): Promise<void>;
  /** Kill faults: the process that must be running again (new pid, ready) before the phase ends. */
  process?: string;
}

async function main(): Promise<void> {
  const settings = readSettings();
  const walkthrough = getWalkthrough(settings.walkthrough);
  const log = join(tmpdir(), `amw-soak-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const logStream = createWriteStream(log);
  const pids = new Set<number>();
  const restarted = new Set<string>();

  let postgres: TestPostgres | undefined;
  let redis: TestRedis | undefined;
  let pgRelay: TcpRelay | undefined;
  let redisRelay: TcpRelay | undefined;
  let stateDir: string | undefined;
  let run: WalkthroughRun | undefined;
  let load: OpenLoopLoad | undefined;
  const report: string[] = [];
  let missed = false;

  const onProcessEvent = (event: SupervisorEvent) => {
    if (event.type === 'output') {
      logStream.write(`${event.name} | ${event.line}\n`);
      return;
    }
    logStream.write(`supervisor | ${JSON.stringify(event)}\n`);
    if (event.type === 'spawned') {
      pids.add(event.pid);
      if (restarted.has(event.name)) progress(`  ${event.name} started again (pid ${event.pid})`);
    }
    if (event.type === 'exited' && !event.expected) progress(`  ${event.name} exited on its own (${event.signal ?? `code ${event.code}`})`);
    if (event.type === 'restarting') {
      restarted.add(event.name);
      progress(`  ${event.name}: the supervisor starts it again in ${(event.delayMs / 1000).toFixed(1)} s (restart ${event.restarts})`);
    }
    if (event.type === 'ready' && restarted.has(event.name)) progress(`  ${event.name} ready again`);
  };

  try {
    progress(`${walkthrough.name}: finding Postgres and Redis, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on this machine`);
    postgres = await postgresForTests('soak');
    redis = await redisForTests();
    if (!postgres || !redis) throw new Error('the soak run needs a real Postgres and Redis (DATABASE_URL / REDIS_URL, or the default local ports)');
    pgRelay = await TcpRelay.to(postgres.url, 5432);
    redisRelay = await TcpRelay.to(redis.url, 6379);
    progress(`database ${postgres.database}, Redis db ${redis.db}; relays: Postgres on 127.0.0.1:${pgRelay.port}, Redis on 127.0.0.1:${redisRelay.port}`);

    stateDir = await mkdtemp(join(tmpdir(), 'amw-soak-'));
    progress(`starting ${walkthrough.name} at ${settings.step ? `step ${settings.step}` : 'its last step'} (every process's output goes to ${log})`);
    run = await WalkthroughRun.start({
      walkthrough,
      ...(settings.step ? { step: settings.step } : {}),
      repoRoot: findRepoRoot(),
      stateDir,
      backing: { postgres: pgRelay.through(postgres.url), redis: redisRelay.through(redis.url) },
      databaseName: postgres.database,
      redisDb: redis.db,
      onProcessEvent,
    });
    const ui = Object.entries(run.urls.entries).find(([name]) => walkthrough.entries.find((e) => e.name === name)?.kind === 'load-balancer')?.[1];
    if (!ui) throw new Error(`${walkthrough.name} has no load-balancer entry to send load through`);
    progress(`${run.processStates().length} processes up at step ${run.step}; UI load balancer ${ui}`);

    // getstats too: Redis must answer before the baseline, or the baseline would count its warm-up.
    for (const path of ['/api/getvotes', '/api/getstats']) {
      await until(`a 200 from ${path} through the UI`, 60_000, async () => (await httpGet(`${ui}${path}`))?.status === 200);
    }
    const appserver = await servingAppserver(run, ui);
    const appName = `${walkthrough.name}/${instanceLabel(appserver)}`;
    const sidecarName = `${appName}/envoy`;
    stateOf(run, appName);
    stateOf(run, sidecarName);
    const uiInstance = run.instanceList().find((i) => i.workload.spec.component === 'yelb-ui');
    const uiAdmin = uiInstance ? run.urls.admin[instanceLabel(uiInstance)] : undefined;
    const retriesBefore = await retriesTo(uiAdmin, 'appserver');
    progress(`traffic reaches ${appserver.podName}: faults (a) and (b) kill ${appName} and ${sidecarName}`);

    const currentRun = run;
    const kill = async (name: string) => {
      const state = stateOf(currentRun, name);
      if (!state.pid || !state.ready) throw new Error(`${name} is not running and ready before its fault (pid ${state.pid}, ready ${state.ready})`);
      process.kill(state.pid, 'SIGKILL');
      return `SIGKILL ${name.replace(`${walkthrough.name}/`, '')} (pid ${state.pid})`;
    };
    const outage = (relay: TcpRelay, what: string): Pick<Fault, 'inject' | 'restore'> => ({
      inject: async () => {
        const before = relay.counts.cut;
        await relay.down();
        return `${what} relay closed, ${relay.counts.cut - before} connection${relay.counts.cut - before === 1 ? '' : 's'} cut, for ${settings.outageMs / 1000} s`;
      },
      restore: () => relay.up(),
    });
    const faults: Fault[] = [
      { id: 'a', title: 'SIGKILL the appserver', inject: () => kill(appName), process: appName },
      { id: 'b', title: 'SIGKILL its sidecar', inject: () => kill(sidecarName), process: sidecarName },
      { id: 'c', title: `Postgres down ${settings.outageMs / 1000} s`, ...outage(pgRelay, 'Postgres') },
      { id: 'd', title: `Redis down ${settings.outageMs / 1000} s`, ...outage(redisRelay, 'Redis') },
    ];

    load = new OpenLoopLoad({ baseUrl: ui, rate: settings.rate, timeoutMs: settings.timeoutMs, maxSockets: 256 });
    const currentLoad = load;
    const phases: PhaseRecord[] = [];
    const tally = (fromAt: number) => {
      const mine = currentLoad.outcomes.filter((o) => o.dueAt >= fromAt);
      const failed = mine.filter((o) => !o.ok);
      const last = failed.reduce<Outcome | undefined>((latest, o) => (!latest || o.doneAt > latest.doneAt ? o : latest), undefined);
      return `${mine.length} answered, ${mine.length - failed.length} ok, ${failed.length} failed${last ? ` (last: ${last.cause})` : ''}, ${currentLoad.pending} in flight`;
    };

    progress(`load: ${settings.rate} req/s open loop (vote, vote, getvotes, vote, getstats, …); baseline ${settings.baselineMs / 1000} s`);
    load.start();
    const baselineBefore = run.processStates();
    for (let waited = 0; waited < settings.baselineMs; waited += 5000) {
      await sleep(Math.min(5000, settings.baselineMs - waited));
      progress(`  baseline: ${tally(0)}`);
    }
    phases.push({ id: '–', title: 'baseline (calm)', startAt: 0, endAt: load.now(), fault: false, before: baselineBefore, after: run.processStates() });

    for (const fault of faults) {
      const before = run.processStates();
      const pidBefore = fault.process ? stateOf(run, fault.process).pid : undefined;
      const startAt = load.now();
      const description = await fault.inject();
      progress(`(${fault.id}) ${description}`);
      const phase: PhaseRecord = { id: fault.id, title: fault.title, detail: description, startAt, endAt: NaN, fault: true, before, after: before };
      if (fault.restore) {
        await sleep(Math.max(0, startAt + settings.outageMs - load.now()));
        await fault.restore();
        phase.restoredAt = load.now();
        progress(`(${fault.id}) relay listening again after ${seconds(phase.restoredAt - startAt)}: ${tally(startAt)}`);
      }
      // Past the goal (plus a margin to see it come back late), the fault counts as not recovered
      // in time and the run moves on, so a broken mesh cannot hold the script forever.
      const capAt = startAt + settings.recoveryGoalMs + 5000;
      let nextReport = load.now() + 5000;
      for (;;) {
        const now = load.now();
        const point = recoveredAt(load.outcomes, startAt, Infinity, settings.streak);
        const proc = fault.process ? stateOf(run, fault.process) : undefined;
        const processBack = !proc || (proc.ready && proc.pid !== pidBefore);
        const calmSince = point !== undefined ? Math.max(point, phase.restoredAt ?? 0) : Infinity;
        if (point !== undefined && processBack && now - startAt >= settings.phaseMs && now - calmSince >= CALM_MS) break;
        if (now >= capAt) {
          if (point === undefined || !processBack) {
            progress(`(${fault.id}) not recovered ${seconds(now - startAt)} after the fault${processBack ? '' : `; ${fault.process} is not back`}: moving on`);
          }
          break;
        }
        if (now >= nextReport) {
          progress(`(${fault.id}) +${seconds(now - startAt)}: ${tally(startAt)}${point !== undefined ? `; recovered at +${seconds(point - startAt)}` : ''}`);
          nextReport += 5000;
        }
        await sleep(250);
      }
      phase.endAt = load.now();
      phase.after = run.processStates();
      phases.push(phase);
    }

    progress(`load stopped; waiting for the ${load.pending} requests still in flight`);
    await load.stop();
    // A vote the client gave up on may still be inside the mesh: let it land before counting.
    await sleep(3000);

    // Straight from the real server, not through the relay or the mesh: what is really stored.
    const readDatabase = async (): Promise<Tally> => {
      const pool = createPool(postgres!.url, 1);
      try {
        const result = await pool.query<{ name: string; count: number }>('SELECT trim(name) AS name, count FROM restaurants');
        const tally = emptyTally();
        for (const row of result.rows) if ((RESTAURANTS as readonly string[]).includes(row.name)) tally[row.name as keyof Tally] = Number(row.count);
        return tally;
      } finally {
        await pool.end();
      }
    };
    const inDatabase = await readDatabase();
    let viaApi: Tally | undefined;
    await until('a 200 from /api/getvotes through the UI after the run', 30_000, async () => {
      const res = await httpGet(`${ui}/api/getvotes`);
      if (res?.status !== 200) return false;
      viaApi = emptyTally();
      for (const { name, value } of JSON.parse(res.body) as { name: string; value: number }[]) viaApi[name as keyof Tally] = value;
      return true;
    }).catch((error: unknown) => progress(`${error instanceof Error ? error.message : String(error)}`));
    await sleep(3000);
    const inDatabaseLater = await readDatabase();
    const retriesAfter = await retriesTo(uiAdmin, 'appserver');

    const outcomes = load.outcomes;
    const figures = phases.map((p) => phaseFigures(outcomes, phases, p, settings.streak, walkthrough.name));
    const sentTotal = figures.reduce((s, f) => s + f.sent, 0);
    report.push(
      '',
      `Fault and soak run: ${walkthrough.name} at step ${run.step}, ${settings.rate} req/s open loop through the UI's load balancer`,
      `(votes 3/5, /api/getvotes 1/5, /api/getstats 1/5), ${sentTotal} requests over ${seconds(phases.at(-1)!.endAt)}; ` +
        `"recovered": from the fault to the first of ${settings.streak} consecutive successes (in send order), timed at the earliest answer among them ` +
        `of a kind of request the fault broke; a request in flight when a fault struck counts in that fault's phase; ` +
        `machine: ${loadavg()[0]!.toFixed(2)} load average, ${load.lateSends} sends more than 100 ms late`,
      '',
      table(
        ['phase', 'requests', 'ok', 'failed', 'failures by cause', 'recovered', 'after restore', 'p50 / p99 ms', 'restarts seen'],
        figures.map((f) => [
          [`${f.phase.id} ${f.phase.title}`, ...(f.phase.detail ? [`  ${f.phase.detail}`] : [])],
          String(f.sent),
          String(f.ok),
          String(f.failed),
          f.causes,
          f.phase.fault ? (f.recoveredMs === undefined ? 'NOT RECOVERED' : seconds(f.recoveredMs)) : '–',
          seconds(f.afterRestoreMs),
          `${millis(f.p50)} / ${millis(f.p99)}`,
          f.restarts,
        ]),
      ),
    );

    const { acknowledged, failed } = voteTallies(outcomes);
    const changedLate = RESTAURANTS.some((r) => inDatabase[r] !== inDatabaseLater[r]);
    report.push(
      '',
      table(
        ['restaurant', 'votes acknowledged (2xx)', 'in Postgres', 'via /api/getvotes', 'vote requests failed'],
        [...RESTAURANTS.map((r) => [r, inDatabase, viaApi, failed] as const), ['total', inDatabase, viaApi, failed] as const].map(([r, db, api, bad]) => {
          const pick = (t: Tally | undefined) => (t === undefined ? '–' : String(r === 'total' ? total(t) : t[r]));
          return [r, pick(acknowledged), pick(db), pick(api), pick(bad)];
        }),
      ),
    );
    if (retriesBefore !== undefined && retriesAfter !== undefined) {
      // A retried vote whose first attempt had committed would be counted twice: this says how many chances there were.
      report.push(`  yelb-ui's sidecar made ${retriesAfter - retriesBefore} retries to the appserver during the run (upstream_rq_retry, its route's retry policy)`);
    }
    if (changedLate) report.push(`  Postgres changed after the counts were read (a late commit): ${total(inDatabase)} then ${total(inDatabaseLater)}`);

    const equal = (t: Tally | undefined) => t !== undefined && RESTAURANTS.every((r) => t[r] === acknowledged[r]);
    const votesMet = equal(inDatabase) && equal(viaApi) && !changedLate;
    const recoveries = figures.filter((f) => f.phase.fault);
    const recoveryMet = recoveries.every((f) => f.recoveredMs !== undefined && f.recoveredMs <= settings.recoveryGoalMs);
    missed = !votesMet || !recoveryMet;
    const word = (met: boolean) => (met ? 'met' : 'MISSED');
    report.push(
      '',
      `votes acknowledged = votes recorded: ${word(votesMet)} (${total(acknowledged)} acknowledged; ${total(inDatabase)} in Postgres; ${viaApi ? total(viaApi) : 'no answer'} via /api/getvotes)`,
      `every fault recovered within ${settings.recoveryGoalMs / 1000} s: ${word(recoveryMet)} (${recoveries.map((f) => `${f.phase.id} ${f.recoveredMs === undefined ? 'not recovered' : seconds(f.recoveredMs)}`).join(', ')})`,
    );
    const lost = RESTAURANTS.reduce((s, r) => s + Math.max(0, acknowledged[r] - inDatabaseLater[r]), 0);
    const extra = RESTAURANTS.reduce((s, r) => s + Math.max(0, inDatabaseLater[r] - acknowledged[r]), 0);
    if (!votesMet) {
      const within = RESTAURANTS.every((r) => inDatabaseLater[r] - acknowledged[r] <= failed[r]);
      report.push(
        `  acknowledged but not in Postgres (lost): ${lost}; in Postgres but never acknowledged: ${extra} ` +
          `(${within ? 'for every restaurant no more than its failed vote requests: consistent with votes that committed although their request failed' : 'MORE than the failed vote requests of some restaurant: some vote was counted more than once, e.g. retried after it had committed'})`,
      );
      for (const gap of countGaps(outcomes, inDatabaseLater, phases)) report.push(`  ${gap}`);
    }
  } finally {
    progress('stopping everything');
    const stopErrors: string[] = [];
    const attempt = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (error) {
        stopErrors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    if (load) await attempt('the load', () => load!.stop());
    if (run) await attempt('the walkthrough', () => run!.stop());
    // Only now: the apps shut down gracefully and may still talk to their databases meanwhile.
    await attempt('the relays', async () => {
      await pgRelay?.close();
      await redisRelay?.close();
    });
    if (stateDir) await attempt('the state directory', () => rm(stateDir!, { recursive: true, force: true }));
    let dropped = false;
    await attempt('the database', async () => {
      await postgres?.drop();
      dropped = postgres !== undefined;
    });
    await attempt('the Redis database', async () => redis?.release());
    await new Promise<void>((resolve) => logStream.end(resolve));
    const left = [...pids].filter(processAlive);
    report.push(
      left.length === 0
        ? `no process left behind (${pids.size} started, counting restarts)${dropped ? `; database ${postgres!.database} dropped` : ''}`
        : `LEFT BEHIND: pids ${left.join(', ')} of the ${pids.size} processes the run started`,
    );
    for (const error of stopErrors) report.push(`cleaning up, ${error}`);
    if (left.length > 0 || stopErrors.length > 0) missed = true;
    process.stdout.write(report.join('\n') + '\n');
    if (missed && settings.strict) process.exitCode = 1;
  }
}

let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // The first signal stops the run and cleans up (database, processes); a second one leaves at
    // once and the children's orphan guard ends them.
    if (++signals > 1) process.exit(130);
    interrupted = true;
    progress(`${signal}: stopping (again to leave at once)`);
  });
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    const message = error instanceof SettingError || error instanceof Interrupted ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`local-mesh soak: ${message}\n`);
    process.exit(1);
  },
);
