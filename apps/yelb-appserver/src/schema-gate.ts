/**
 * Holds requests back until the schema exists, without holding back start-up: when Postgres is
 * down the server listens anyway, answers 503, and initialises the schema as soon as Postgres
 * answers, whether a request or the background retry notices first.
 */

export interface SchemaGateOptions {
  init: () => Promise<void>;
  onFailure: (error: unknown) => void;
  onReady: () => void;
  /** First retry delay; doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export class SchemaGate {
  /** Read on every request, so a plain field rather than a promise keeps the ready path cheap. */
  ready = false;
  private attempt: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private closed = false;

  constructor(private readonly options: SchemaGateOptions) {
    this.delayMs = options.retryDelayMs ?? 250;
  }

  /** Resolves once the schema exists; rejects with the cause when this attempt failed. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (!this.attempt) {
      // Concurrent callers share one attempt; the next caller after it settles starts a new one.
      const attempt = this.run();
      this.attempt = attempt;
      attempt.then(
        () => this.settled(attempt),
        () => this.settled(attempt),
      );
    }
    return this.attempt;
  }

  /** Forgets readiness, e.g. after a seeded row disappeared, so the next request re-seeds. */
  reset(): void {
    this.ready = false;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    clearTimeout(this.timer);
    try {
      await this.options.init();
      this.ready = true;
      this.delayMs = this.options.retryDelayMs ?? 250;
      this.options.onReady();
    } catch (error) {
      this.options.onFailure(error);
      this.scheduleRetry();
      throw error;
    }
  }

  private settled(attempt: Promise<void>): void {
    if (this.attempt === attempt) this.attempt = undefined;
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(delay * 2, this.options.maxRetryDelayMs ?? 5000);
    this.timer = setTimeout(() => {
      this.whenReady().catch(() => {});
    }, delay);
    // A retry loop must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }
}
