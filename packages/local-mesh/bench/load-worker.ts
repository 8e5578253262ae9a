/**
 * The load generator, in a worker thread so the main thread's bookkeeping (memory sampling,
 * process management) never delays a request. Two kinds of job:
 *
 * - `open`: a fixed request rate, open loop. Requests are started on a schedule (every 1/rate
 *   seconds, caught up in batches when a timer fires late) whether or not earlier answers have
 *   come back, each on a free keep-alive connection or a new one; a slow answer never holds back
 *   the next request. Latency runs from the moment the request is handed to the socket to the
 *   end of the answer. A lead-in at the same rate comes first, unrecorded, on the same
 *   connections: a sidecar closes pooled connections idle for 4 s, and between two rounds of a
 *   path every other path has its turn, so without it each round would start by opening
 *   connections (with mutual TLS, a handshake costing milliseconds of CPU each) and measure that
 *   instead of the steady state. Node's timers fire with ~1 ms granularity, so sends drift from the exact
 *   schedule by up to about a millisecond; `lateSends` counts requests sent more than 2 ms late,
 *   which says whether the generator itself kept up. (autocannon's own rate option is not used
 *   here: it sends each connection's per-second quota back to back and then idles, which is a
 *   burst, not a rate.)
 * - `closed`: autocannon, N connections each sending its next request when the last answer
 *   ends: the most requests per second the path can carry.
 */
import { Agent, request } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

export interface Target {
  host: string;
  port: number;
  /** Request target: origin-form for a direct call, absolute-form for a call through HTTP_PROXY. */
  path: string;
  hostHeader: string;
}

export type Job = ({ kind: 'open'; rate: number; maxConnections: number; leadInSeconds?: number } | { kind: 'closed'; connections: number }) & {
  target: Target;
  seconds: number;
};

export interface OpenResult {
  kind: 'open';
  latenciesMs: number[];
  errors: number;
  non2xx: number;
  lateSends: number;
  connections: number;
}

export interface ClosedResult {
  kind: 'closed';
  requestsPerSecond: number;
  errors: number;
  non2xx: number;
}

function openLoop(job: Extract<Job, { kind: 'open' }>): Promise<OpenResult> {
  const { target } = job;
  const agent = new Agent({ keepAlive: true, maxSockets: job.maxConnections });
  let connections = 0;
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (...args: Parameters<typeof createConnection>) => {
    connections++;
    return createConnection(...args);
  };
  const leadIn = Math.round(job.rate * (job.leadInSeconds ?? 0));
  const total = leadIn + Math.round(job.rate * job.seconds);
  const intervalMs = 1000 / job.rate;
  const latenciesMs: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let lateSends = 0;
  let sent = 0;
  let finished = 0;
  return new Promise((resolve) => {
    const settle = () => {
      if (++finished < total) return;
      agent.destroy();
      resolve({ kind: 'open', latenciesMs, errors, non2xx, lateSends, connections });
    };
    const fire = (recorded: boolean) => {
      const startedAt = performance.now();
      const req = request({ agent, host: target.host, port: target.port, path: target.path, headers: { host: target.hostHeader } }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          if (recorded) {
            latenciesMs.push(performance.now() - startedAt);
            if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++;
          }
          settle();
        });
      });
      req.on('error', () => {
        if (recorded) errors++;
        settle();
      });
      req.end();
    };
    const start = performance.now();
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
      while (sent < due) {
        const recorded = sent >= leadIn;
        if (recorded && now - (start + sent * intervalMs) > 2) lateSends++;
        sent++;
        fire(recorded);
      }
      if (sent < total) setTimeout(tick, start + sent * intervalMs - performance.now());
    };
    tick();
  });
}

async function closedLoop(job: Extract<Job, { kind: 'closed' }>): Promise<ClosedResult> {
  const { target } = job;
  const result = await autocannon({
    url: `http://${target.host}:${target.port}`,
    connections: job.connections,
    duration: job.seconds,
    headers: { host: target.hostHeader },
    requests: [{ method: 'GET', path: target.path }],
  });
  // Inside a worker thread autocannon returns its raw, unaggregated result (it expects to be the
  // one that aggregates workers), whose completed count is `totalCompletedRequests`: answers of
  // any status; errors (resets, timeouts) are counted apart.
  const raw = result as unknown as { totalCompletedRequests?: number };
  const completed = raw.totalCompletedRequests ?? result.requests.total;
  return { kind: 'closed', requestsPerSecond: completed / result.duration, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

parentPort!.on('message', (job: Job) => {
  const run = job.kind === 'open' ? openLoop(job) : closedLoop(job);
  run.then(
    (result) => parentPort!.postMessage(result),
    (error: unknown) => parentPort!.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});
