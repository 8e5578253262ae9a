/**
 * Runs one burst from the console's load button: `count` GETs of `/` on a load-balancer entry,
 * or of a virtual-service URL through a pod's sidecar (an `exec` entry, used as an HTTP proxy:
 * absolute-form request line, the service as Host, as curl with HTTP_PROXY sends it), paced at `ratePerSecond` without waiting for answers (as independent users would arrive), and
 * counts what came back.
 */
import { Agent, request } from 'node:http';
import { dueAfterMs, type LoadProgress, type LoadRequest } from '@amw/mesh-console';

/** Longest a single request may take before it counts as unanswered. */
const REQUEST_TIMEOUT_MS = 10_000;

export class LoadBurst {
  readonly progress: LoadProgress;
  readonly done: Promise<void>;
  private readonly controller = new AbortController();
  // Keep-alive so a burst of 1000 does not open 1000 sockets against the entry.
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });

  constructor(
    request: LoadRequest,
    url: string,
    private readonly onProgress: () => void = () => {},
  ) {
    this.progress = { ...request, url, sent: 0, answered: 0, failed: 0, byStatus: {}, running: true, startedAt: new Date().toISOString() };
    this.done = this.run();
  }

  /** Stops sending (the run is stopping); requests in flight are dropped. */
  stop(reason: string): void {
    if (!this.progress.running) return;
    this.progress.stoppedBecause = reason;
    this.controller.abort();
  }

  private async run(): Promise<void> {
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < this.progress.count && !this.controller.signal.aborted; i++) {
      const wait = started + dueAfterMs(i, this.progress.ratePerSecond) - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.controller.signal.aborted) break;
      this.progress.sent++;
      inFlight.push(this.one());
    }
    await Promise.all(inFlight);
    this.agent.destroy();
    this.progress.running = false;
    this.progress.finishedAt = new Date().toISOString();
    this.onProgress();
  }

  private one(): Promise<void> {
    const url = new URL(this.progress.url);
    const target = this.progress.target !== undefined ? new URL(this.progress.target) : undefined;
    return new Promise<void>((resolve) => {
      // A request aborted mid-answer reports errors on both the request and the response.
      let settled = false;
      const answered = (status: number) => {
        if (settled) return;
        settled = true;
        this.progress.answered++;
        this.progress.byStatus[String(status)] = (this.progress.byStatus[String(status)] ?? 0) + 1;
        resolve();
      };
      const failed = () => {
        if (settled) return;
        settled = true;
        this.progress.failed++;
        resolve();
      };
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: target ? target.href : url.pathname,
          ...(target ? { headers: { host: target.host } } : {}),
          method: 'GET',
          agent: this.agent,
          signal: this.controller.signal,
        },
        (res) => {
        res.resume();
        res.on('end', () => answered(res.statusCode ?? 0));
        res.on('error', failed);
        },
      );
      req.on('error', failed);
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timed out')));
      req.end();
    });
  }
}
