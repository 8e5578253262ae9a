/**
 * Configured weights against what the proxies did: counts from client proxies' cluster stats,
 * made relative to when the console connected, and turned into shares. Pure, so the server and
 * the page agree on every number.
 */
import type { SplitTarget, TargetCounts } from './snapshot.js';

const STAT = /^cluster\.(.+)\.upstream_rq_(2xx|total)$/;

/** Reads `upstream_rq_2xx` and `upstream_rq_total` per cluster out of `/stats?format=json`. */
export function parseClusterCounts(body: unknown): Map<string, TargetCounts> {
  const stats = (body as { stats?: unknown } | null)?.stats;
  if (!Array.isArray(stats)) throw new Error('not an admin /stats?format=json answer: no "stats" array');
  const out = new Map<string, TargetCounts>();
  for (const stat of stats as { name?: unknown; value?: unknown }[]) {
    if (typeof stat?.name !== 'string' || typeof stat.value !== 'number') continue;
    const match = STAT.exec(stat.name);
    if (!match) continue;
    const counts = out.get(match[1]!) ?? { rq2xx: 0, total: 0 };
    if (match[2] === '2xx') counts.rq2xx = stat.value;
    else counts.total = stat.value;
    out.set(match[1]!, counts);
  }
  return out;
}

/** Adds up clusters' counts over several client proxies (a route applied by two pods' sidecars). */
export function sumCounts(perProxy: Iterable<Map<string, TargetCounts>>): Map<string, TargetCounts> {
  const out = new Map<string, TargetCounts>();
  for (const counts of perProxy) {
    for (const [cluster, c] of counts) {
      const sum = out.get(cluster) ?? { rq2xx: 0, total: 0 };
      out.set(cluster, { rq2xx: sum.rq2xx + c.rq2xx, total: sum.total + c.total });
    }
  }
  return out;
}

/**
 * Counts since `baseline`. A proxy that restarted starts its counters from zero again, so a
 * counter below its baseline means everything it shows now happened since.
 */
export function countsSince(baseline: TargetCounts | undefined, now: TargetCounts | undefined): TargetCounts {
  const current = now ?? { rq2xx: 0, total: 0 };
  if (!baseline || current.total < baseline.total || current.rq2xx < baseline.rq2xx) return { ...current };
  return { rq2xx: current.rq2xx - baseline.rq2xx, total: current.total - baseline.total };
}

export interface TargetShare {
  label: string;
  /** Fraction of the route's weight, 0…1. */
  configured: number;
  /** Fraction of the requests sent, 0…1; null before any request was sent. */
  observed: number | null;
  requests: number;
  rq2xx: number;
}

/** Each target's configured share and observed share of requests, in the route's order. */
export function splitShares(targets: readonly SplitTarget[]): TargetShare[] {
  for (const t of targets) {
    if (!Number.isFinite(t.weight) || t.weight < 0) throw new Error(`target ${t.label} has weight ${t.weight}; weights are numbers ≥ 0`);
  }
  const weights = targets.reduce((sum, t) => sum + t.weight, 0);
  const requests = targets.reduce((sum, t) => sum + t.observed.total, 0);
  return targets.map((t) => ({
    label: t.label,
    configured: weights === 0 ? 0 : t.weight / weights,
    observed: requests === 0 ? null : t.observed.total / requests,
    requests: t.observed.total,
    rq2xx: t.observed.rq2xx,
  }));
}

/** Whole percentages that add up to exactly 100 (largest remainders), for labels next to a chart. */
export function percentages(fractions: readonly number[]): number[] {
  const total = fractions.reduce((a, b) => a + b, 0);
  if (total <= 0) return fractions.map(() => 0);
  const raw = fractions.map((f) => (f / total) * 100);
  const floors = raw.map(Math.floor);
  let left = 100 - floors.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i]! += 1;
    left -= 1;
  }
  return floors;
}
