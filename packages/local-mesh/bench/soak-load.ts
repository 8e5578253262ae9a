/**
 * Open-loop load through the Yelb UI's load balancer: requests start on a fixed schedule whatever
 * the answers do, so an outage shows as failures and slow answers instead of silently lowering
 * the rate (a closed loop would send less exactly while things are broken). Every request is
 * recorded with what it asked for and how it ended, so the soak run can count votes per
 * restaurant and tell apart who failed a request (the appserver, yelb-ui, a proxy, the network).
 */
import { Agent, request } from 'node:http';

export const RESTAURANTS = ['outback', 'bucadibeppo', 'ihop', 'chipotle'] as const;
export type Restaurant = (typeof RESTAURANTS)[number];

export type RequestKind = 'vote' | 'getvotes' | 'getstats';

export interface Outcome {
  seq: number;
  kind: RequestKind;
  path: string;
  restaurant?: Restaurant;
  /** When it was due by the schedule, ms since the load started (a late send still counts from here). */
  dueAt: number;
  /** When its answer ended or it failed, ms since the load started. */
  doneAt: number;
  ok: boolean;
  status?: number;
  /** Why it failed: `HTTP 503 (appserver: postgres)`, `ECONNRESET`, `timeout`, … */
  cause?: string;
  /**
   * An acknowledged vote's answer: the restaurant's count right after this vote. Every count
   * from 1 up should be acknowledged exactly once; one that never was is a vote that committed
   * without its voter hearing so, and the acknowledged counts around it say when that happened.
   */
  count?: number;
}

/**
 * What each slot of the rotation asks. Votes and getvotes need Postgres and getstats needs
 * Redis (apps/yelb-appserver README), so every fault the run injects breaks some slot of every
 * short stretch of requests, and a streak of successes means every dependency answers again.
 */
const ROTATION: readonly RequestKind[] = ['vote', 'vote', 'getvotes', 'vote', 'getstats'];

/** Who answered a failure, from its body: the appserver's 503 JSON, yelb-ui's 502/504 JSON, or a proxy's Envoy text. */
function describeFailure(status: number, body: string): string {
  const text = body.trim();
  try {
    const json = JSON.parse(text) as { dependency?: unknown; upstream?: unknown; error?: unknown };
    if (typeof json.dependency === 'string') return `HTTP ${status} (appserver: ${json.dependency} down)`;
    if (typeof json.upstream === 'string' && typeof json.error === 'string') {
      const code = /\(([A-Z_]+)\)/.exec(json.error)?.[1];
      return `HTTP ${status} (yelb-ui${code ? `: ${code}` : ''})`;
    }
  } catch {
    // Not JSON: a proxy's local reply, below.
  }
  const reset = /reset reason: (.+)$/.exec(text);
  if (reset) return `HTTP ${status} (proxy: ${reset[1]})`;
  if (text === 'upstream request timeout' || text === 'no healthy upstream' || text === 'stream timeout') return `HTTP ${status} (proxy: ${text})`;
  return `HTTP ${status}`;
}

export interface LoadOptions {
  /** The UI's load balancer entry, e.g. `http://127.0.0.1:20400`. */
  baseUrl: string;
  rate: number;
  /** Longer than the route's 10 s per-request timeout, so the mesh's own 504 shows rather than ours. */
  timeoutMs: number;
  /**
   * Kept under the proxies' 400 connections per listener; beyond it requests wait in the agent,
   * and that wait counts in their time since they are timed from their due time.
   */
  maxSockets: number;
}

export class OpenLoopLoad {
  readonly outcomes: Outcome[] = [];
  private readonly agent: Agent;
  private readonly inFlight = new Set<Promise<void>>();
  private started = 0;
  private sent = 0;
  private votes = 0;
  private ticker: NodeJS.Timeout | undefined;
  /** Sends that left more than 100 ms after their due time: the generator itself was starved. */
  lateSends = 0;

  constructor(private readonly options: LoadOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
  }

  /** Milliseconds since the load started (the time base of every outcome). */
  now(): number {
    return performance.now() - this.started;
  }

  get pending(): number {
    return this.inFlight.size;
  }

  start(): void {
    this.started = performance.now();
    // A short tick keeps sends within a few ms of their schedule at tens of requests a second.
    this.ticker = setInterval(() => this.tick(), 5);
  }

  /** Stops sending; resolves once every request sent has ended (answered, failed or timed out). */
  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.agent.destroy();
  }

  private tick(): void {
    const now = this.now();
    const due = Math.floor((now * this.options.rate) / 1000);
    while (this.sent < due) {
      const dueAt = (this.sent * 1000) / this.options.rate;
      if (now - dueAt > 100) this.lateSends++;
      this.send(this.sent++, dueAt);
    }
  }

  private send(seq: number, dueAt: number): void {
    const kind = ROTATION[seq % ROTATION.length]!;
    const restaurant = kind === 'vote' ? RESTAURANTS[this.votes++ % RESTAURANTS.length]! : undefined;
    const path = kind === 'vote' ? `/api/${restaurant}` : `/api/${kind}`;
    const done = this.get(path).then(({ body, ...result }) => {
      const count = kind === 'vote' && result.ok && /^\d+$/.test(body.trim()) ? Number(body.trim()) : undefined;
      this.outcomes.push({ seq, kind, path, ...(restaurant ? { restaurant } : {}), dueAt, doneAt: this.now(), ...result, ...(count !== undefined ? { count } : {}) });
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private get(path: string): Promise<{ ok: boolean; status?: number; cause?: string; body: string }> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: { ok: boolean; status?: number; cause?: string; body: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = request(new URL(path, this.options.baseUrl), { agent: this.agent, method: 'GET' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          const body = Buffer.concat(chunks).toString('utf8').slice(0, 300);
          finish(ok ? { ok, status, body } : { ok, status, cause: describeFailure(status, body), body });
        });
        res.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, cause: error.code ?? error.message, body: '' }));
      });
      const timer = setTimeout(() => {
        finish({ ok: false, cause: 'timeout', body: '' });
        req.destroy();
      }, this.options.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, cause: error.code ?? error.message, body: '' }));
      req.end();
    });
  }
}
