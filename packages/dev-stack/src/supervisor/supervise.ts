/**
 * Starts named child processes, reports their output line by line, waits until each answers its
 * readiness check, and stops them all: SIGTERM, a grace period, then SIGKILL.
 *
 * Each child runs in a process group of its own, so a stop reaches whatever the child started
 * too (a `pnpm exec` wrapper and the node under it), and a Ctrl-C in the terminal reaches only
 * the supervisor, which then stops the children in order rather than all at once. Node children
 * also load the orphan guard (./orphan-guard.mjs), which ends them if the supervisor dies
 * without stopping them (SIGKILL, a crash). Restart policy: none by default (a child that exits
 * is reported); with `restart`, a child that exits on its own after start-up is started again
 * after a back-off that doubles while it keeps failing, as a Kubernetes pod's container is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { guardEnv } from './guard.js';
import { onLines } from './lines.js';
import { describeCheck, waitUntilReady, type ReadinessCheck } from './readiness.js';

export interface ProcessSpec {
  /** Unique in the group; prefixes every output line. */
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  readonly cwd?: string;
  /** Added to the supervisor's environment; `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly ready?: ReadinessCheck;
  /** Default true: load the orphan guard into the child's Node processes. */
  readonly orphanGuard?: boolean;
}

export interface ExitRecord {
  readonly name: string;
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when it exited because the group was stopping. */
  readonly expected: boolean;
  /** True when the grace period ran out and it was killed with SIGKILL. */
  readonly killed: boolean;
}

export type SupervisorEvent =
  | { type: 'spawned'; name: string; pid: number; command: string }
  | { type: 'output'; name: string; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'waiting'; name: string; target: string; elapsedMs: number; reason: string | undefined }
  | { type: 'ready'; name: string; elapsedMs: number }
  | { type: 'stopping'; reason: string }
  | { type: 'signal'; signal: NodeJS.Signals }
  | { type: 'killed'; name: string; afterMs: number }
  | ({ type: 'exited' } & ExitRecord)
  /** With a restart policy: the child exited on its own and starts again after `delayMs`. */
  | { type: 'restarting'; name: string; restarts: number; delayMs: number };

export interface SuperviseOptions {
  onEvent?: (event: SupervisorEvent) => void;
  /** How long a readiness check may take. Default 30 s. */
  readyTimeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL. Default 5 s. */
  stopTimeoutMs?: number;
  /**
   * Stop the group on SIGINT, SIGTERM and SIGHUP sent to this process (a second signal kills at
   * once). Off by default: a library should not take over a process's signals unasked.
   */
  handleSignals?: boolean;
  /** What a child's own exit (not asked for) does: stop the rest (default) or keep them. */
  onChildExit?: 'stop-all' | 'keep';
  /**
   * Start a child again when it exits on its own after start-up (never while stopping). The wait
   * starts at `initialDelayMs` (1 s) and doubles up to `maxDelayMs` (30 s) while the child keeps
   * exiting; a child that ran for `resetAfterMs` (60 s) starts the count again. Kubernetes does
   * the same from 10 s to 5 min; a local demo wants to heal sooner.
   */
  restart?: { initialDelayMs?: number; maxDelayMs?: number; resetAfterMs?: number };
}

export interface SupervisedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  readonly ready: boolean;
  readonly exit: ExitRecord | undefined;
  /** Times it was started again after exiting on its own (restart policy). */
  readonly restarts: number;
  /** Its last exit on its own, when it has one (it may be running again since). */
  readonly lastExit: ExitRecord | undefined;
}

export interface ProcessGroup {
  readonly processes: readonly SupervisedProcess[];
  /** SIGTERM every child, SIGKILL whatever is left after the grace; resolves when all exited. */
  stop(reason?: string): Promise<ExitRecord[]>;
  /** Resolves when every child has exited, for whatever reason. */
  readonly exited: Promise<ExitRecord[]>;
}

export class SupervisorError extends Error {
  constructor(
    message: string,
    /** The process that failed, when one did. */
    readonly processName?: string,
    readonly exits: readonly ExitRecord[] = [],
  ) {
    super(message);
    this.name = 'SupervisorError';
  }
}

const groupSignals = process.platform !== 'win32';

interface Member {
  readonly spec: ProcessSpec;
  child: ChildProcess | undefined;
  pid: number | undefined;
  ready: boolean;
  exit: ExitRecord | undefined;
  killed: boolean;
  /** The child itself has exited (its record may still wait for leftovers and output). */
  leaderGone: boolean;
  readonly done: Promise<ExitRecord>;
  finish(record: ExitRecord): void;
  abort: AbortController;
  /** Why it failed to start (spawn error), if it did. */
  spawnError: string | undefined;
  restarts: number;
  /** Restarts in a row without a long enough run in between: the back-off's exponent. */
  crashLoop: number;
  startedAt: number;
  lastExit: ExitRecord | undefined;
  restartTimer: NodeJS.Timeout | undefined;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sendSignal(member: Member, signal: NodeJS.Signals): void {
  if (member.pid === undefined) return;
  try {
    if (groupSignals) process.kill(-member.pid, signal);
    else member.child?.kill(signal);
  } catch {
    // Already gone.
  }
}

function validate(specs: readonly ProcessSpec[]): void {
  const seen = new Set<string>();
  for (const spec of specs) {
    if (!spec.name || /\s/.test(spec.name)) throw new SupervisorError(`process name ${JSON.stringify(spec.name)} must be non-empty, without spaces`);
    if (seen.has(spec.name)) throw new SupervisorError(`process name "${spec.name}" is used twice; names must be unique`);
    if (!spec.command) throw new SupervisorError(`process "${spec.name}" has no command`);
    seen.add(spec.name);
  }
}

function childEnv(spec: ProcessSpec): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return spec.orphanGuard === false ? env : guardEnv(env);
}

/**
 * Starts every process and resolves once all of them are ready. If one cannot start, exits
 * before it is ready or is not ready in time, the others are stopped and the promise rejects
 * with a SupervisorError naming it.
 */
export async function supervise(specs: readonly ProcessSpec[], options: SuperviseOptions = {}): Promise<ProcessGroup> {
  validate(specs);
  const emit = options.onEvent ?? (() => {});
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  let stopping: Promise<ExitRecord[]> | undefined;
  let stopReason: string | undefined;
  let startupDone = false;
  /** The first thing that went wrong during start-up; a failure caused by stopping is none. */
  let failure: { name: string; message: string } | undefined;
  const fail = (name: string, message: string): undefined => {
    if (failure || stopping) return undefined;
    failure = { name, message };
    void stop(message);
    return undefined;
  };

  const members: Member[] = specs.map((spec) => {
    let finish!: (record: ExitRecord) => void;
    const done = new Promise<ExitRecord>((resolve) => (finish = resolve));
    return {
      spec,
      child: undefined,
      pid: undefined,
      ready: false,
      exit: undefined,
      killed: false,
      leaderGone: false,
      done,
      finish,
      abort: new AbortController(),
      spawnError: undefined,
      restarts: 0,
      crashLoop: 0,
      startedAt: 0,
      lastExit: undefined,
      restartTimer: undefined,
    };
  });
  const exited = Promise.all(members.map((m) => m.done));

  const record = (member: Member, code: number | null, signal: NodeJS.Signals | null) => {
    if (member.exit) return;
    if (restart && startupDone && stopping === undefined) {
      const exit = { name: member.spec.name, pid: member.pid, code, signal, expected: false, killed: member.killed };
      member.lastExit = exit;
      member.ready = false;
      member.abort.abort();
      emit({ type: 'exited', ...exit });
      scheduleRestart(member);
      return;
    }
    member.exit = { name: member.spec.name, pid: member.pid, code, signal, expected: stopping !== undefined, killed: member.killed };
    member.abort.abort();
    emit({ type: 'exited', ...member.exit });
    member.finish(member.exit);
    const how = code === null ? `signal ${signal}` : `code ${code}`;
    // During start-up any exit fails the start; afterwards the policy decides.
    if (!startupDone && member.ready) fail(member.spec.name, `${member.spec.name} exited with ${how} while the others were starting`);
    else if (startupDone && stopping === undefined && (options.onChildExit ?? 'stop-all') === 'stop-all') {
      void stop(`${member.spec.name} exited with ${how}`);
    }
  };

  /**
   * A child's exit ends its record only once the rest of its process group is gone too, and its
   * output has been read to the end (bounded: a stray process holding the pipe cannot hold us).
   */
  const watchExit = (member: Member, child: ChildProcess) => {
    const drained = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const finish = (code: number | null, signal: NodeJS.Signals | null) =>
      void Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 1000).unref())]).then(() => record(member, code, signal));
    child.once('exit', (code, signal) => {
      member.leaderGone = true;
      const pid = member.pid!;
      if (!groupSignals || !groupAlive(pid)) return finish(code, signal);
      // Leftovers (a grandchild) get the same treatment the leader got, then SIGKILL.
      sendSignal(member, 'SIGTERM');
      const leaderExitedAt = Date.now();
      const poll = setInterval(() => {
        if (groupAlive(pid) && Date.now() - leaderExitedAt < stopTimeoutMs) return;
        if (groupAlive(pid)) sendSignal(member, 'SIGKILL');
        clearInterval(poll);
        finish(code, signal);
      }, 50);
    });
  };

  const restart = options.restart
    ? { initialDelayMs: options.restart.initialDelayMs ?? 1000, maxDelayMs: options.restart.maxDelayMs ?? 30_000, resetAfterMs: options.restart.resetAfterMs ?? 60_000 }
    : undefined;
  const scheduleRestart = (member: Member) => {
    if (!restart) return;
    if (Date.now() - member.startedAt >= restart.resetAfterMs) member.crashLoop = 0;
    const delayMs = Math.min(restart.maxDelayMs, restart.initialDelayMs * 2 ** member.crashLoop);
    member.crashLoop++;
    emit({ type: 'restarting', name: member.spec.name, restarts: member.restarts + 1, delayMs });
    member.restartTimer = setTimeout(() => {
      member.restartTimer = undefined;
      if (stopping) return;
      member.restarts++;
      member.abort = new AbortController();
      launch(member);
      if (member.pid === undefined) return;
      const { spec } = member;
      if (!spec.ready) {
        member.ready = true;
        return;
      }
      // A restarted child is ready again when its check says so; until then callers see ready: false.
      void waitUntilReady(spec.ready, { timeoutMs: readyTimeoutMs, signal: member.abort.signal, onProgress: () => {} }).then((result) => {
        if (!result.ready || stopping || member.leaderGone) return;
        member.ready = true;
        emit({ type: 'ready', name: spec.name, elapsedMs: result.elapsedMs });
      });
    }, delayMs);
  };

  const stop = (reason = 'stop requested'): Promise<ExitRecord[]> => {
    if (stopping) return stopping;
    stopReason = reason;
    emit({ type: 'stopping', reason });
    for (const member of members) member.abort.abort();
    // A child waiting to be started again is over: its last exit is its record.
    for (const member of members) {
      if (member.restartTimer === undefined || member.exit) continue;
      clearTimeout(member.restartTimer);
      member.restartTimer = undefined;
      member.exit = { ...member.lastExit!, expected: true };
      member.finish(member.exit);
    }
    stopping = (async () => {
      const stopAt = Date.now();
      const live = members.filter((m) => !m.exit);
      for (const member of live) sendSignal(member, 'SIGTERM');
      const timer = setTimeout(() => {
        for (const member of members.filter((m) => !m.exit && !m.leaderGone)) {
          member.killed = true;
          emit({ type: 'killed', name: member.spec.name, afterMs: Date.now() - stopAt });
          sendSignal(member, 'SIGKILL');
        }
      }, stopTimeoutMs);
      const records = await exited;
      clearTimeout(timer);
      return records;
    })();
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    emit({ type: 'signal', signal });
    if (!stopping) return void stop(`received ${signal}`);
    for (const member of members.filter((m) => !m.exit)) {
      member.killed = true;
      sendSignal(member, 'SIGKILL');
    }
  };
  const handled: NodeJS.Signals[] = options.handleSignals ? ['SIGINT', 'SIGTERM', 'SIGHUP'] : [];
  for (const signal of handled) process.on(signal, onSignal);
  void exited.then(() => {
    for (const signal of handled) process.off(signal, onSignal);
  });

  const launch = (member: Member): void => {
    const { spec } = member;
    member.child = undefined;
    member.pid = undefined;
    member.killed = false;
    member.leaderGone = false;
    member.spawnError = undefined;
    member.startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = spawn(spec.command, [...(spec.args ?? [])], {
        cwd: spec.cwd,
        env: childEnv(spec),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: groupSignals,
      });
    } catch (error) {
      member.spawnError = (error as Error).message;
      record(member, null, null);
      return;
    }
    member.child = child;
    member.pid = child.pid;
    child.once('error', (error) => {
      // Spawn failures (ENOENT, EACCES) arrive here without an 'exit'.
      if (member.pid === undefined || !child.pid) {
        member.spawnError = error.message;
        record(member, null, null);
      }
    });
    if (child.pid === undefined) return;
    onLines(child.stdout!, (line) => emit({ type: 'output', name: spec.name, stream: 'stdout', line }));
    onLines(child.stderr!, (line) => emit({ type: 'output', name: spec.name, stream: 'stderr', line }));
    watchExit(member, child);
    emit({ type: 'spawned', name: spec.name, pid: child.pid, command: [spec.command, ...(spec.args ?? [])].join(' ') });
  };
  for (const member of members) launch(member);

  await Promise.all(
    members.map(async (member) => {
      const { spec } = member;
      if (member.pid === undefined) await member.done;
      if (member.spawnError) return fail(spec.name, `${spec.name} could not start: ${member.spawnError}`);
      if (!spec.ready) {
        member.ready = member.exit === undefined;
        return member.ready ? undefined : fail(spec.name, `${spec.name} exited at once`);
      }
      const target = describeCheck(spec.ready);
      const result = await waitUntilReady(spec.ready, {
        timeoutMs: readyTimeoutMs,
        signal: member.abort.signal,
        onProgress: (elapsedMs, reason) => emit({ type: 'waiting', name: spec.name, target, elapsedMs, reason }),
      });
      if (result.ready && !member.exit) {
        member.ready = true;
        emit({ type: 'ready', name: spec.name, elapsedMs: result.elapsedMs });
        return undefined;
      }
      if (member.exit) {
        const how = member.exit.signal ? `signal ${member.exit.signal}` : `code ${member.exit.code}`;
        return fail(spec.name, member.spawnError ? `${spec.name} could not start: ${member.spawnError}` : `${spec.name} exited with ${how} before it was ready`);
      }
      return fail(spec.name, `${spec.name} is ${result.ready ? 'ready' : result.reason} at ${target}`);
    }),
  );

  if (failure || stopping) {
    const exits = await stop();
    if (failure) throw new SupervisorError(failure.message, failure.name, exits);
    throw new SupervisorError(`stopped before every process was ready (${stopReason})`, undefined, exits);
  }
  startupDone = true;

  return {
    processes: members.map((m) => ({
      name: m.spec.name,
      get pid() {
        return m.pid;
      },
      get ready() {
        return m.ready;
      },
      get exit() {
        return m.exit;
      },
      get restarts() {
        return m.restarts;
      },
      get lastExit() {
        return m.lastExit;
      },
    })),
    stop,
    exited,
  };
}
