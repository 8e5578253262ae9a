/**
 * The load generator the sidecar benchmarks share (bench/run.ts, bench/transport-ab.ts):
 * bench/load-worker.ts in a worker thread, one job at a time, and the sampling of the sidecars a
 * job goes through (peak memory, CPU used).
 */
import { Worker } from 'node:worker_threads';
import type { ClosedResult, Job, OpenResult } from './load-worker.js';
import { cpuMsOf, maxMemory, memoryOf, type Child, type Memory } from './processes.js';

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
export async function observed<T>(
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
