/**
 * The console's load button: a bounded burst of requests through one of the run's entries — a
 * load balancer (GET / on it), or a shell in a pod (`exec`: that pod's sidecar used as an HTTP
 * proxy, with a virtual-service URL the pod may call) — so the observed split fills without a
 * terminal. The checks and the pacing are here, pure, so the server refuses exactly what the
 * page's inputs would refuse, and both are tested without a run.
 */

export const LOAD_LIMITS = { count: { min: 1, max: 1000 }, ratePerSecond: { min: 1, max: 100 } } as const;
export const LOAD_DEFAULTS = { count: 200, ratePerSecond: 20 } as const;

/**
 * An entry the button may send through, by name and local URL: a load balancer (the default), or
 * an `exec` entry — the pod's sidecar, an HTTP proxy — with the virtual-service URLs that pod
 * may call (its virtual node's backends), the only targets accepted for it.
 */
export interface LoadEntry {
  name: string;
  url: string;
  kind?: 'load-balancer' | 'exec';
  targets?: string[];
}

export interface LoadRequest {
  entry: string;
  count: number;
  ratePerSecond: number;
  /** `exec` entries only: the absolute URL the sidecar is asked for (one of the entry's targets). */
  target?: string;
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

/**
 * `url` is where requests connect (always the entry's 127.0.0.1 URL); `path` what they ask it for:
 * `/` of a load balancer, or the target's absolute URL, as a client of an HTTP proxy sends it.
 */
export type LoadValidation = { ok: true; request: LoadRequest; url: string; path: string } | { ok: false; error: string };

const FIELDS = ['entry', 'count', 'ratePerSecond', 'target'];

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
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: 'the body must be a JSON object {entry, count, ratePerSecond, target?}' };
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) return { ok: false, error: `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; expected entry, count, ratePerSecond and, for an exec entry, target` };
  const names = entries.map((e) => e.name).join(', ') || 'none at this step';
  if (typeof fields.entry !== 'string' || fields.entry === '') return { ok: false, error: `entry must be the name of one of this run's load entries (${names})` };
  const entry = entries.find((e) => e.name === fields.entry);
  if (!entry) return { ok: false, error: `entry "${fields.entry}" is not a load entry of this run at this step (${names})` };
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
  const request: LoadRequest = { entry: entry.name, count, ratePerSecond: rate };
  if (entry.kind !== 'exec') {
    if (fields.target !== undefined) return { ok: false, error: `entry "${entry.name}" is a load balancer: requests go to its / and take no target` };
    return { ok: true, request, url: `${url.origin}/`, path: '/' };
  }
  // The sidecar forwards wherever it is asked (ALLOW_ALL passes through to anywhere): only the
  // virtual services the pod's node declares, exactly as listed, keep the burst inside the mesh.
  const targets = entry.targets ?? [];
  const offered = targets.join(', ') || 'none at this step';
  if (typeof fields.target !== 'string' || fields.target === '') return { ok: false, error: `entry "${entry.name}" is a pod's sidecar: target must be one of the URLs it may call (${offered})` };
  if (!targets.includes(fields.target)) return { ok: false, error: `target ${JSON.stringify(fields.target.slice(0, 200))} is not one of the virtual services "${entry.name}" may call (${offered})` };
  return { ok: true, request: { ...request, target: fields.target }, url: `${url.origin}/`, path: fields.target };
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
  return `${p.entry}${p.target ? ` → ${p.target}` : ''}: ${p.sent} of ${p.count} sent at ${p.ratePerSecond}/s, ${answers} — ${state}`;
}
