/**
 * Figures of the soak run, from the recorded outcomes: what each phase sent and how it ended,
 * how long each fault took to recover from, which processes were started again, and the vote
 * tally. Kept apart from the run itself so the arithmetic can be read (and judged) on its own.
 */
import type { ProcessState } from '../src/orchestrator/run.js';
import { RESTAURANTS, type Outcome, type Restaurant } from './soak-load.js';
import { percentile } from './stats.js';

export interface PhaseRecord {
  id: string;
  title: string;
  /** What exactly was done (which pid, how many connections were cut). */
  detail?: string;
  /** Start of the phase (the fault, for a fault phase), ms on the load's clock. */
  startAt: number;
  endAt: number;
  fault: boolean;
  /** When the relay listened again (outage phases). */
  restoredAt?: number;
  before: ProcessState[];
  after: ProcessState[];
}

/**
 * When service came back after a fault at `fromAt`: in send order, the first of `streak`
 * consecutive requests that all succeeded, timed at the earliest answer among them of a kind of
 * request the fault had broken (a Redis outage breaks getstats only, and the vote that happens
 * to open the streak says nothing about Redis). Timing by answer rather than by send keeps a
 * request held through the outage (retries, queued connections) and answered after it from
 * making the outage look shorter than it was.
 */
export function recoveredAt(outcomes: readonly Outcome[], fromAt: number, toAt: number, streak: number): number | undefined {
  const bySeq = new Map<number, Outcome>();
  let first = Infinity;
  let last = -Infinity;
  for (const o of outcomes) {
    if (o.dueAt < fromAt || o.dueAt >= toAt) continue;
    bySeq.set(o.seq, o);
    first = Math.min(first, o.seq);
    last = Math.max(last, o.seq);
  }
  const broken = new Set<string>();
  let run = 0;
  for (let seq = first; seq <= last; seq++) {
    // A request still in flight is not (yet) a success: it breaks the streak like a failure.
    const o = bySeq.get(seq);
    if (o && !o.ok) broken.add(o.kind);
    run = o?.ok ? run + 1 : 0;
    if (run < streak) continue;
    const members = Array.from({ length: streak }, (_, k) => bySeq.get(seq - streak + 1 + k)!);
    const telling = members.filter((m) => broken.has(m.kind));
    return Math.min(...(telling.length > 0 ? telling : members.slice(0, 1)).map((m) => m.doneAt));
  }
  return undefined;
}

/**
 * The phase a request counts in: the one it was due in, except that a request still in flight
 * when a fault struck counts with that fault, which is what failed it (or what it survived).
 */
export function countsAt(o: Outcome, faultStarts: readonly number[]): number {
  const struck = faultStarts.find((at) => o.dueAt < at && o.doneAt >= at);
  return struck ?? o.dueAt;
}

export function inPhase(outcomes: readonly Outcome[], phase: Pick<PhaseRecord, 'startAt' | 'endAt'>, faultStarts: readonly number[] = []): Outcome[] {
  return outcomes.filter((o) => {
    const at = countsAt(o, faultStarts);
    return at >= phase.startAt && at < phase.endAt;
  });
}

/** `cause ×n`, most frequent first. */
export function causes(outcomes: readonly Outcome[]): string[] {
  const counts = new Map<string, number>();
  for (const o of outcomes) if (!o.ok) counts.set(o.cause ?? 'unknown', (counts.get(o.cause ?? 'unknown') ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([cause, n]) => `${cause} ×${n}`);
}


/** Restarts between two snapshots of the run's processes: `name +n (how it last exited)`. */
export function restartsBetween(before: readonly ProcessState[], after: readonly ProcessState[], label: string): string[] {
  const out: string[] = [];
  for (const now of after) {
    const then = before.find((p) => p.name === now.name);
    const delta = now.restarts - (then?.restarts ?? 0);
    if (delta <= 0) continue;
    const exit = now.lastExit ? (now.lastExit.signal ?? `code ${now.lastExit.code}`) : 'no exit recorded';
    out.push(`${now.name.replace(`${label}/`, '')} +${delta} (${exit}${now.ready ? '' : ', not ready'})`);
  }
  return out;
}

export interface PhaseFigures {
  phase: PhaseRecord;
  sent: number;
  ok: number;
  failed: number;
  causes: string[];
  /** Fault → recovery, ms; undefined: no streak of successes before the phase ended. */
  recoveredMs?: number;
  /** Relay back up → recovery, ms (outage phases). */
  afterRestoreMs?: number;
  p50: number;
  p99: number;
  restarts: string[];
}

export function phaseFigures(outcomes: readonly Outcome[], phases: readonly PhaseRecord[], phase: PhaseRecord, streak: number, label: string): PhaseFigures {
  const mine = inPhase(
    outcomes,
    phase,
    phases.filter((p) => p.fault).map((p) => p.startAt),
  );
  const ok = mine.filter((o) => o.ok);
  const latencies = ok.map((o) => o.doneAt - o.dueAt).sort((a, b) => a - b);
  const point = phase.fault ? recoveredAt(outcomes, phase.startAt, phase.endAt, streak) : undefined;
  return {
    phase,
    sent: mine.length,
    ok: ok.length,
    failed: mine.length - ok.length,
    causes: causes(mine),
    ...(point !== undefined ? { recoveredMs: point - phase.startAt } : {}),
    ...(point !== undefined && phase.restoredAt !== undefined ? { afterRestoreMs: point - phase.restoredAt } : {}),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    restarts: restartsBetween(phase.before, phase.after, label),
  };
}

/** A plain-text table whose cells may hold several lines (a phase's causes, its restarts). */
export function table(header: string[], rows: (string | string[])[][]): string {
  const cells = rows.map((row) => row.map((cell) => (Array.isArray(cell) ? (cell.length ? cell : ['–']) : [cell])));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => Math.max(...row[i]!.map((line) => line.length)))));
  const line = (parts: string[]) => parts.map((p, i) => p.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of cells) {
    const height = Math.max(...row.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(line(row.map((c) => c[k] ?? '')));
  }
  return out.join('\n');
}

export const seconds = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '–' : `${(ms / 1000).toFixed(1)} s`);
export const millis = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(ms < 10 ? 1 : 0) : '–');

export type Tally = Record<Restaurant, number>;

export function emptyTally(): Tally {
  return Object.fromEntries(RESTAURANTS.map((r) => [r, 0])) as Tally;
}

/** Vote requests by restaurant: answered 2xx (acknowledged), and failed (their outcome unknown to the client). */
export function voteTallies(outcomes: readonly Outcome[]): { acknowledged: Tally; failed: Tally } {
  const acknowledged = emptyTally();
  const failed = emptyTally();
  for (const o of outcomes) {
    if (o.kind !== 'vote' || !o.restaurant) continue;
    if (o.ok) acknowledged[o.restaurant]++;
    else failed[o.restaurant]++;
  }
  return { acknowledged, failed };
}

export const total = (tally: Tally) => RESTAURANTS.reduce((sum, r) => sum + tally[r], 0);

/**
 * Where the acknowledged counts do not account for what is stored: for each restaurant, the
 * counts from 1 to the stored total that no answer carried (a vote committed without its voter
 * hearing so: an answer lost with a killed process, or a retry of a vote that had committed),
 * placed in time by the acknowledged answers on either side; and counts answered twice (which
 * an atomic `UPDATE … RETURNING` cannot give, so a bug).
 */
export function countGaps(outcomes: readonly Outcome[], stored: Tally, phases: readonly PhaseRecord[]): string[] {
  const out: string[] = [];
  for (const r of RESTAURANTS) {
    const answered = new Map<number, Outcome[]>();
    for (const o of outcomes) if (o.restaurant === r && o.count !== undefined) answered.set(o.count, [...(answered.get(o.count) ?? []), o]);
    for (const [count, list] of answered) if (list.length > 1) out.push(`${r}: count ${count} was acknowledged ${list.length} times`);
    for (let count = 1; count <= stored[r]; count++) {
      if (answered.has(count)) continue;
      let last = count;
      while (last < stored[r] && !answered.has(last + 1)) last++;
      const before = answered.get(count - 1)?.[0];
      const after = answered.get(last + 1)?.[0];
      const when = [before ? `after the answer at +${seconds(before.doneAt)}` : 'before any answer', after ? `before the one at +${seconds(after.doneAt)}` : 'after the last answer'].join(', ');
      // Its commit came after the previous count's (so after that request was sent) and before the next answer.
      const from = before?.dueAt ?? -Infinity;
      const to = after?.doneAt ?? Infinity;
      const struck = phases.filter((p) => p.fault && p.startAt >= from && p.startAt <= to).map((p) => `${p.id} at +${seconds(p.startAt)}`);
      out.push(
        `${r}: count${last > count ? `s ${count}–${last} were` : ` ${count} was`} committed but never acknowledged (${when}; ` +
          `${struck.length ? `fault ${struck.join(', ')} struck in between` : 'no fault struck in between'})`,
      );
      count = last;
    }
    const beyond = [...answered.keys()].filter((c) => c > stored[r]);
    if (beyond.length > 0) out.push(`${r}: acknowledged counts above the ${stored[r]} stored: ${beyond.sort((a, b) => a - b).join(', ')} (lost votes)`);
  }
  return out;
}
