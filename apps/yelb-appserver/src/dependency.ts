/**
 * Postgres and Redis can come and go while the appserver runs (a pod restarts, a relay drops).
 * Requests that need a missing dependency fail fast with a 503 naming it; the log says when it
 * went away and when it came back, once each, so an outage is one pair of lines rather than one
 * line per request.
 */
import type { Logger } from '@amw/service-kit';

export type DependencyName = 'postgres' | 'redis';

export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: DependencyName,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable; the appserver reconnects by itself, try again shortly`, options);
    this.name = 'DependencyUnavailableError';
  }
}

export class DependencyState {
  private state: 'unknown' | 'up' | 'down' = 'unknown';

  constructor(
    readonly name: DependencyName,
    private readonly logger: Logger,
  ) {}

  get isUp(): boolean {
    return this.state === 'up';
  }

  up(): void {
    if (this.state === 'up') return;
    const recovered = this.state === 'down';
    this.state = 'up';
    this.logger.info(recovered ? `${this.name} is available again` : `${this.name} is available`, { dependency: this.name });
  }

  down(error: unknown): void {
    if (this.state === 'down') return;
    this.state = 'down';
    this.logger.warn(`${this.name} is unavailable; requests that need it answer 503 until it is back`, {
      dependency: this.name,
      error,
    });
  }
}
