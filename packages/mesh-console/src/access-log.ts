/**
 * The access-log tail and Kong's refusals as the console shows them: lines from every proxy that
 * logs (each proxy's admin `/access_log`), merged by time, and Kong's answers by status with the
 * two its plugins give (401: no or wrong API key, 429: rate limit) picked out. Pure.
 */
import type { AccessLogLine, KongCounters } from './snapshot.js';

/** The newest `limit` lines of all proxies, oldest first; lines logged at the same ms keep their proxy's order. */
export function mergeAccessLogs(perProxy: readonly AccessLogLine[][], limit: number): AccessLogLine[] {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number ≥ 0, got ${limit}`);
  const all = perProxy.flatMap((lines, p) => lines.map((line, i) => ({ line, p, i })));
  all.sort((a, b) => a.line.at - b.line.at || a.p - b.p || a.i - b.i);
  return limit === 0 ? [] : all.slice(-limit).map((x) => x.line);
}

/** Kong's refusals in words, e.g. `401 × 3 (no API key) · 429 × 1 (rate limited) of 12 answers`. */
export function kongSummary(counters: KongCounters): string {
  const n = (status: string) => counters.byStatus[status] ?? 0;
  return `401 × ${n('401')} (no or wrong API key) · 429 × ${n('429')} (rate limited) of ${counters.total} answers`;
}
