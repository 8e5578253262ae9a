/** Readiness checks: is a started process answering yet? */
import { request } from 'node:http';
import { connect } from 'node:net';

export type ReadinessCheck =
  /** GET this URL; any 2xx answer means ready. */
  | { readonly http: string }
  /** A TCP connect that succeeds means ready. */
  | { readonly tcp: { readonly host?: string; readonly port: number } };

/** What a check targets, for progress lines. */
export function describeCheck(check: ReadinessCheck): string {
  return 'http' in check ? `GET ${check.http}` : `tcp ${check.tcp.host ?? '127.0.0.1'}:${check.tcp.port}`;
}

/** One attempt: true when ready, else a short reason (`ECONNREFUSED`, `HTTP 503`, `timed out`). */
export function probe(check: ReadinessCheck, timeoutMs = 1000): Promise<true | string> {
  return 'http' in check ? probeHttp(check.http, timeoutMs) : probeTcp(check.tcp.host ?? '127.0.0.1', check.tcp.port, timeoutMs);
}

function reason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message ?? String(error);
}

function probeHttp(url: string, timeoutMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    // agent: false: no keep-alive socket left behind to hold the process open.
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 300 ? true : `HTTP ${status}`);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve(reason(error)));
    req.end();
  });
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: true | string) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done('timed out'));
    socket.once('connect', () => done(true));
    socket.once('error', (error) => done(reason(error)));
  });
}

export interface WaitOptions {
  timeoutMs: number;
  /** Stops waiting (the process exited, or the group is stopping). */
  signal: AbortSignal;
  /** Called as the wait goes on: once at the start, then every `progressEveryMs`. */
  onProgress: (elapsedMs: number, lastReason: string | undefined) => void;
  progressEveryMs?: number;
  pollMs?: number;
}

export type WaitResult = { ready: true; elapsedMs: number } | { ready: false; elapsedMs: number; reason: string };

export async function waitUntilReady(check: ReadinessCheck, options: WaitOptions): Promise<WaitResult> {
  const started = Date.now();
  const every = options.progressEveryMs ?? 2000;
  const pollMs = options.pollMs ?? 150;
  let lastReason: string | undefined;
  let nextProgress = started;
  for (;;) {
    const elapsed = Date.now() - started;
    if (options.signal.aborted) return { ready: false, elapsedMs: elapsed, reason: 'stopped waiting' };
    if (elapsed >= nextProgress - started) {
      options.onProgress(elapsed, lastReason);
      nextProgress += every;
    }
    const result = await probe(check, Math.min(1000, Math.max(100, options.timeoutMs - elapsed)));
    if (result === true) return { ready: true, elapsedMs: Date.now() - started };
    lastReason = result;
    if (Date.now() - started >= options.timeoutMs) {
      return { ready: false, elapsedMs: Date.now() - started, reason: `not ready after ${Math.round(options.timeoutMs / 1000)}s (${lastReason})` };
    }
    await pause(pollMs, options.signal);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal.addEventListener('abort', wake);
  });
}
