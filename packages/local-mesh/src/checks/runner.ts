/**
 * Runs a walkthrough's checks the way a learner would — HTTP requests to the entry URLs — and
 * judges the answers: every answer for `always`, one of the listed ones for `oneOf`, counts
 * inside 99.9% binomial bounds for a weighted `distribution`, answers in order for a rate-limit
 * `sequence`, and one trace with a span per hop for `trace`.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { bodyMatches, describeBody, type Check, type ExpectedResponse } from '@amw/mesh-manifests';

export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface TraceSegment {
  name: string;
  id: string;
  parent_id?: string;
  start_time: number;
  [key: string]: unknown;
}

export interface CheckContext {
  /** Entry name → URL (an `exec` entry is the workload's sidecar, used as an HTTP proxy); read per request, since steps add entries. */
  entries: () => Record<string, string>;
  /** Kinds of the entries, to know which are proxies. */
  entryKinds: Record<string, 'load-balancer' | 'exec' | 'envoy-admin'>;
  /** The segments of a trace, from the local X-Ray daemon. */
  trace?: (traceId: string) => Promise<TraceSegment[]>;
  /** At least this many requests for a distribution (the definition's own count otherwise). */
  minSamples?: number;
  /** Requests in flight at once for distributions. */
  concurrency?: number;
}

export interface CheckOutcome {
  check: Check;
  ok: boolean;
  /** One line per finding, as the CLI prints them. */
  lines: string[];
}

/** Two-sided 99.9% normal quantile. */
const Z_999 = 3.2905;

export function binomialBounds(samples: number, p: number): { low: number; high: number; expected: number } {
  const expected = samples * p;
  const sd = Math.sqrt(samples * p * (1 - p));
  return { low: Math.max(0, Math.floor(expected - Z_999 * sd)), high: Math.ceil(expected + Z_999 * sd), expected };
}

function matches(expected: ExpectedResponse, answer: Answer): boolean {
  if (answer.status !== (expected.status ?? 200)) return false;
  return expected.body ? bodyMatches(expected.body, answer.body) : true;
}

function show(answer: Answer): string {
  const body = answer.body.length > 120 ? `${answer.body.slice(0, 117)}…` : answer.body;
  return `HTTP ${answer.status} ${JSON.stringify(body)}`;
}

let nextSource = 2;
/** A loopback address of its own for a rate-limit sequence: Kong counts per client IP. */
function freshSourceAddress(): string {
  nextSource = nextSource >= 250 ? 2 : nextSource + 1;
  return `127.0.0.${nextSource}`;
}

export class CheckClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });

  constructor(private readonly context: CheckContext) {}

  /** One request to an entry: a path on a load balancer or admin port, or a full URL through a sidecar. */
  send(check: Check, options: { localAddress?: string; headers?: Record<string, string>; fresh?: boolean } = {}): Promise<Answer> {
    const { entry, path, method, headers } = check.request;
    const base = this.context.entries()[entry];
    if (!base) return Promise.reject(new Error(`entry ${entry} is not running`));
    const viaProxy = this.context.entryKinds[entry] === 'exec';
    const target = viaProxy ? new URL(path) : new URL(path, base);
    const proxy = new URL(base);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: viaProxy ? proxy.hostname : target.hostname,
          port: viaProxy ? proxy.port : target.port,
          path: viaProxy ? target.toString() : `${target.pathname}${target.search}`,
          method: method ?? 'GET',
          headers: { host: target.host, ...headers, ...options.headers },
          ...(options.fresh || options.localAddress ? { agent: false } : { agent: this.agent }),
          ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${entry} within 30 s`)));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }

  async run(check: Check): Promise<CheckOutcome> {
    const expect = check.expect;
    const lines: string[] = [];
    switch (expect.kind) {
      case 'always':
      case 'oneOf': {
        const allowed = expect.kind === 'always' ? [expect.response] : expect.responses;
        const tries = expect.kind === 'always' ? 3 : 20;
        const seen = new Map<string, number>();
        let bad: Answer | undefined;
        for (let i = 0; i < tries; i++) {
          const answer = await this.send(check);
          const hit = allowed.find((r) => matches(r, answer));
          if (!hit) {
            bad = answer;
            break;
          }
          seen.set(hit.label, (seen.get(hit.label) ?? 0) + 1);
        }
        if (bad) {
          lines.push(`expected ${allowed.map((r) => r.label).join(' or ')}, got ${show(bad)}`);
          return { check, ok: false, lines };
        }
        lines.push([...seen].map(([label, n]) => `${label} ×${n}`).join(', '));
        return { check, ok: true, lines };
      }
      case 'distribution': {
        const samples = Math.max(expect.samples, this.context.minSamples ?? 0);
        const counts = new Map<string, number>(expect.outcomes.map((o) => [o.label, 0]));
        const unexpected: Answer[] = [];
        let sent = 0;
        const worker = async () => {
          while (sent < samples) {
            sent++;
            const answer = await this.send(check);
            const hit = expect.outcomes.find((o) => matches(o, answer));
            if (hit) counts.set(hit.label, counts.get(hit.label)! + 1);
            else unexpected.push(answer);
          }
        };
        await Promise.all(Array.from({ length: this.context.concurrency ?? 8 }, worker));
        const total = expect.outcomes.reduce((sum, o) => sum + o.weight, 0);
        let ok = unexpected.length === 0;
        if (unexpected.length > 0) lines.push(`${unexpected.length} answers matched no outcome, e.g. ${show(unexpected[0]!)}`);
        for (const outcome of expect.outcomes) {
          const { low, high, expected } = binomialBounds(samples, outcome.weight / total);
          const got = counts.get(outcome.label)!;
          const inside = got >= low && got <= high;
          ok &&= inside;
          lines.push(`${outcome.label}: ${got} of ${samples} (expected ${Math.round(expected)}, 99.9% bounds ${low}–${high})${inside ? '' : '  ✗'}`);
        }
        return { check, ok, lines };
      }
      case 'sequence': {
        const source = freshSourceAddress();
        let ok = true;
        for (const [i, expected] of expect.responses.entries()) {
          const answer = await this.send(check, { localAddress: source });
          const good = matches(expected, answer);
          ok &&= good;
          lines.push(`#${i + 1}: ${good ? expected.label : `expected ${expected.label}, got ${show(answer)}`}`);
          if (!good) break;
        }
        return { check, ok, lines };
      }
      case 'trace': {
        if (!this.context.trace) return { check, ok: false, lines: ['no X-Ray daemon to read traces from'] };
        const root = `1-${Math.floor(Date.now() / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
        const answer = await this.send(check, { headers: { 'x-amzn-trace-id': `Root=${root};Sampled=1` }, fresh: true });
        if (answer.status >= 400) return { check, ok: false, lines: [`the traced request failed: ${show(answer)}`] };
        // Segments arrive over UDP when each hop finishes: give them a moment.
        let segments: TraceSegment[] = [];
        for (let i = 0; i < 20; i++) {
          segments = await this.context.trace(root);
          if (expect.hops.every((hop) => segments.some((s) => s.name.includes(hop)))) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        // Each hop's span must be the child of the previous hop's: one chain, ui → appserver → db.
        const spans = expect.hops.map((hop) => segments.find((s) => s.name.includes(hop)));
        const missing = expect.hops.filter((_, i) => !spans[i]);
        const broken = expect.hops.findIndex((_, i) => i > 0 && spans[i] && spans[i - 1] && spans[i]!.parent_id !== spans[i - 1]!.id);
        const ok = missing.length === 0 && broken < 0;
        lines.push(`trace ${root}: ${segments.map((s) => s.name).join(', ') || '(no segments)'}`);
        if (missing.length) lines.push(`no span for ${missing.join(', ')}`);
        else if (broken > 0) lines.push(`the ${expect.hops[broken]} span is not a child of the ${expect.hops[broken - 1]} span`);
        return { check, ok, lines };
      }
    }
  }
}

export function describeExpectation(check: Check): string {
  const e = check.expect;
  switch (e.kind) {
    case 'always':
      return e.response.body ? describeBody(e.response.body) : e.response.label;
    case 'oneOf':
      return e.responses.map((r) => r.label).join(' or ');
    case 'distribution':
      return e.outcomes.map((o) => `${o.label} ×${o.weight}`).join(' : ');
    case 'sequence':
      return e.responses.map((r) => r.label).join(', then ');
    case 'trace':
      return e.hops.join(' → ');
  }
}
