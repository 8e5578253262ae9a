/**
 * The load generator the sidecar benchmarks share (bench/run.ts, bench/transport-ab.ts):
 * bench/load-worker.ts in a worker thread, one job at a time; the sampling of the sidecars a job
 * goes through (peak memory, CPU used); and the schedule of warm-up and interleaved rounds both
 * measure by.
 */
import { Worker } from 'node:worker_threads';
import type { ClosedResult, Job, OpenResult, Target } from './load-worker.js';
import { cpuMsOf, maxMemory, memoryOf, type Child, type Memory } from './processes.js';
import { percentile } from './stats.js';

/** The worker is TypeScript: it registers tsx itself, since loader hooks given to this process do not reach workers. */
const WORKER_BOOTSTRAP = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./load-worker.ts', import.meta.url).href)}); })`;

export class LoadGenerator {
  private readonly worker = new Worker(WORKER_BOOTSTRAP, { eval: true });
  /** A worker that failed (to load, say) fails every run after, instead of crashing this process. */
  private failure: Error | undefined;
  private onFailure: ((error: Error) => void) | undefined;

  constructor() {
    this.worker.on('error', (error) => {
      this.failure = new Error(`load generator: ${error.message}`);
      this.onFailure?.(this.failure);
    });
  }

  run<T extends OpenResult | ClosedResult>(job: Job): Promise<T> {
    return new Promise((resolvePromise, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      this.onFailure = reject;
      this.worker.once('message', (result: T | { kind: 'failed'; message: string }) => {
        this.onFailure = undefined;
        if (result.kind === 'failed') reject(new Error(`load generator: ${result.message}`));
        else resolvePromise(result);
      });
      this.worker.postMessage(job);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

/** What a benchmark keeps of a sidecar it samples. */
export interface SampledSidecar {
  child: Child;
  atRate?: Memory;
  atConnections?: Memory;
}

/** Runs `work` while sampling the path's sidecars: peak memory under `field`, CPU used in total. */
async function observed<T>(
  path: { client?: SampledSidecar; server?: SampledSidecar },
  field: 'atRate' | 'atConnections',
  work: () => Promise<T>,
): Promise<{ result: T; cpuMs: [number, number] }> {
  const sidecars = [path.client, path.server].filter((s): s is SampledSidecar => s !== undefined);
  const sample = () => {
    for (const sidecar of sidecars) sidecar[field] = maxMemory(sidecar[field], memoryOf(sidecar.child.process.pid!));
  };
  const cpu = () => [path.client, path.server].map((s) => (s ? cpuMsOf(s.child.process.pid!) : 0)) as [number, number];
  const before = cpu();
  const timer = setInterval(sample, 250);
  try {
    const result = await work();
    const after = cpu();
    return { result, cpuMs: [after[0] - before[0], after[1] - before[1]] };
  } finally {
    clearInterval(timer);
    sample();
  }
}

export interface LatencyRound {
  p50: number;
  p90: number;
  p99: number;
  failed: number;
  late: number;
  connections: number;
  /** CPU ms per 1,000 requests spent by the client and the server sidecar. */
  clientCpu: number;
  serverCpu: number;
}

export interface ThroughputRound {
  rps: number;
  failed: number;
  /** CPU ms per 1,000 requests spent by the client and the server sidecar. */
  clientCpu: number;
  serverCpu: number;
}

export interface RoundSettings {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  leadInSeconds: number;
  rate: number;
  connections: number;
}

/** A path through sidecars to an app (or straight to it), as the rounds load it. */
export interface MeasuredPath {
  target: Target;
  client?: SampledSidecar;
  server?: SampledSidecar;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const n = by % items.length;
  return [...items.slice(n), ...items.slice(0, n)];
}

/**
 * Warms every path up at the fixed rate, then runs all fixed-rate rounds, then all closed-loop
 * ones, each round visiting every path with the order rotating: a path's memory at the fixed rate
 * is measured before anything has driven it harder, and a busy neighbour hurts every path of a
 * round alike. Entry i of each list is round i, under `keyOf(path)`.
 */
export async function measureRounds<P extends MeasuredPath>(
  load: LoadGenerator,
  paths: readonly P[],
  settings: RoundSettings,
  keyOf: (path: P) => string,
): Promise<{ latency: Map<string, LatencyRound[]>; throughput: Map<string, ThroughputRound[]> }> {
  for (const path of paths) {
    await load.run({ kind: 'open', rate: settings.rate, maxConnections: settings.connections, seconds: settings.warmupSeconds, target: path.target });
  }
  const latency = new Map<string, LatencyRound[]>();
  const throughput = new Map<string, ThroughputRound[]>();
  const push = <T>(map: Map<string, T[]>, k: string, value: T) => map.set(k, [...(map.get(k) ?? []), value]);
  for (let round = 0; round < settings.rounds; round++) {
    for (const path of rotate(paths, round)) {
      const { result, cpuMs } = await observed(path, 'atRate', () =>
        load.run<OpenResult>({
          kind: 'open',
          rate: settings.rate,
          maxConnections: settings.connections,
          seconds: settings.seconds,
          leadInSeconds: settings.leadInSeconds,
          target: path.target,
        }),
      );
      const sorted = result.latenciesMs.sort((a, b) => a - b);
      // The sidecars' CPU is read around the whole job, lead-in included.
      const requests = settings.rate * (settings.seconds + settings.leadInSeconds);
      push(latency, keyOf(path), {
        p50: percentile(sorted, 0.5),
        p90: percentile(sorted, 0.9),
        p99: percentile(sorted, 0.99),
        failed: result.errors + result.non2xx,
        late: result.lateSends,
        connections: result.connections,
        clientCpu: (cpuMs[0] / requests) * 1000,
        serverCpu: (cpuMs[1] / requests) * 1000,
      });
    }
    process.stdout.write(`fixed rate: round ${round + 1}/${settings.rounds} done\n`);
  }
  for (let round = 0; round < settings.rounds; round++) {
    for (const path of rotate(paths, round)) {
      const { result, cpuMs } = await observed(path, 'atConnections', () =>
        load.run<ClosedResult>({ kind: 'closed', connections: settings.connections, seconds: settings.seconds, target: path.target }),
      );
      const requests = result.requestsPerSecond * settings.seconds;
      push(throughput, keyOf(path), {
        rps: result.requestsPerSecond,
        failed: result.errors + result.non2xx,
        clientCpu: (cpuMs[0] / requests) * 1000,
        serverCpu: (cpuMs[1] / requests) * 1000,
      });
    }
    process.stdout.write(`closed loop: round ${round + 1}/${settings.rounds} done\n`);
  }
  return { latency, throughput };
}
