/**
 * The console's load button: a bounded burst of requests through one of the run's load-balancer
 * entries, so the observed split fills without a terminal. The checks and the pacing are here,
 * pure, so the server refuses exactly what the page's inputs would refuse, and both are tested
 * without a run.
 */

export const LOAD_LIMITS = { count: { min: 1, max: 1000 }, ratePerSecond: { min: 1, max: 100 } } as const;
export const LOAD_DEFAULTS = { count: 200, ratePerSecond: 20 } as const;

/** An entry the button may send through: a load balancer of this run, by name and local URL. */
export interface LoadEntry {
  name: string;
  url: string;
}

export interface LoadRequest {
  entry: string;
  count: number;
  ratePerSecond: number;
}

/** A burst as the snapshot carries it: the one running, or the last one. */
export interface LoadProgress extends LoadRequest {
  url: string;
  /** Requests sent so far. */
  sent: number;
  /** Requests that got an HTTP answer, whatever its status. */
  answered: number;
  /** Requests that got no answer (refused, reset, timed out). */
  failed: number;
  /** Answers by HTTP status, e.g. `{"200": 180, "503": 2}`. */
  byStatus: Record<string, number>;
  running: boolean;
  startedAt: string;
  finishedAt?: string;
  /** Why the burst stopped early (the run stopped), if it did. */
  stoppedBecause?: string;
}

export type LoadValidation = { ok: true; request: LoadRequest; url: string } | { ok: false; error: string };

function integerIn(value: unknown, name: string, limits: { min: number; max: number }): number | string {
  if (typeof value !== 'number' || !Number.isInteger(value)) return `${name} must be a whole number from ${limits.min} to ${limits.max}, not ${JSON.stringify(value) ?? 'nothing'}`;
  if (value < limits.min || value > limits.max) return `${name} must be from ${limits.min} to ${limits.max}, not ${value}`;
  return value;
}

/**
 * A POST body checked against the entries on offer. Only loopback URLs are accepted, even from
 * the run's own list: the button must never send traffic anywhere but this machine's mesh.
 */
export function validateLoadRequest(body: unknown, entries: readonly LoadEntry[]): LoadValidation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: 'the body must be a JSON object {entry, count, ratePerSecond}' };
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => k !== 'entry' && k !== 'count' && k !== 'ratePerSecond');
  if (unknown.length > 0) return { ok: false, error: `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; expected entry, count, ratePerSecond` };
  const names = entries.map((e) => e.name).join(', ') || 'none at this step';
  if (typeof fields.entry !== 'string' || fields.entry === '') return { ok: false, error: `entry must be the name of one of this run's load-balancer entries (${names})` };
  const entry = entries.find((e) => e.name === fields.entry);
  if (!entry) return { ok: false, error: `entry "${fields.entry}" is not a load-balancer entry of this run at this step (${names})` };
  let url: URL;
  try {
    url = new URL(entry.url);
  } catch {
    return { ok: false, error: `entry "${entry.name}" has no usable URL (${entry.url})` };
  }
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') return { ok: false, error: `entry "${entry.name}" is not on http://127.0.0.1 (${entry.url}); the console only sends to this machine` };
  const count = integerIn(fields.count, 'count', LOAD_LIMITS.count);
  if (typeof count === 'string') return { ok: false, error: count };
  const rate = integerIn(fields.ratePerSecond, 'ratePerSecond', LOAD_LIMITS.ratePerSecond);
  if (typeof rate === 'string') return { ok: false, error: rate };
  return { ok: true, request: { entry: entry.name, count, ratePerSecond: rate }, url: `${url.origin}/` };
}

/**
 * When request `index` (from 0) of a burst is due, in ms after its start. Times are fixed from
 * the start rather than from the previous send, so a slow event loop does not stretch the burst.
 */
export function dueAfterMs(index: number, ratePerSecond: number): number {
  return (index * 1000) / ratePerSecond;
}

/** The page's one-line account of a burst. */
export function describeProgress(p: LoadProgress): string {
  const statuses = Object.entries(p.byStatus)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, n]) => `${n}× ${status}`)
    .join(', ');
  const answers = `${p.answered} answered${statuses ? ` (${statuses})` : ''}${p.failed > 0 ? `, ${p.failed} without answer` : ''}`;
  const state = p.running ? 'running' : p.stoppedBecause ? `stopped: ${p.stoppedBecause}` : 'done';
  return `${p.entry}: ${p.sent} of ${p.count} sent at ${p.ratePerSecond}/s, ${answers} — ${state}`;
}
