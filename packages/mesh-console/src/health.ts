/**
 * Health and TLS as the console draws them, worked out from what the proxies say rather than what
 * the manifests hope: each caller's cluster stats for a virtual node (members, active health
 * checks, outlier ejections), each instance's readiness, and the TLS a caller originates against
 * what the node's listener accepts. Pure, so every state and its wording is tested without a mesh.
 */
import type { EdgeTls, HealthState, NodeHealth } from './snapshot.js';

/** One caller proxy's view of one upstream cluster, from its admin `/stats?format=json`. */
export interface ClusterHealth {
  /** Endpoints the cluster has (`membership_total`). */
  total: number;
  /** Endpoints active health checking holds healthy (`membership_healthy`). */
  healthy: number;
  /** Endpoints outlier detection has ejected now (`outlier_detection.ejections_active`). */
  ejected: number;
  /** Health checks run and failed (`health_check.attempt`, `health_check.failure`). */
  checks: number;
  checkFailures: number;
}

const GAUGES: Record<string, keyof ClusterHealth> = {
  membership_total: 'total',
  membership_healthy: 'healthy',
  'outlier_detection.ejections_active': 'ejected',
  'health_check.attempt': 'checks',
  'health_check.failure': 'checkFailures',
};
const CLUSTER_STAT = /^cluster\.(.+)\.(membership_total|membership_healthy|outlier_detection\.ejections_active|health_check\.attempt|health_check\.failure)$/;

/** Per cluster, the health figures of one proxy's `/stats?format=json` answer. */
export function parseClusterHealth(body: unknown): Map<string, ClusterHealth> {
  const stats = (body as { stats?: unknown } | null)?.stats;
  if (!Array.isArray(stats)) throw new Error('not an admin /stats?format=json answer: no "stats" array');
  const out = new Map<string, ClusterHealth>();
  for (const stat of stats as { name?: unknown; value?: unknown }[]) {
    if (typeof stat?.name !== 'string' || typeof stat.value !== 'number') continue;
    const match = CLUSTER_STAT.exec(stat.name);
    if (!match) continue;
    const health = out.get(match[1]!) ?? { total: 0, healthy: 0, ejected: 0, checks: 0, checkFailures: 0 };
    health[GAUGES[match[2]!]!] = stat.value;
    out.set(match[1]!, health);
  }
  return out;
}

/** One counter of a `/stats?format=json` answer, 0 when absent. */
export function statValue(body: unknown, name: string): number {
  const stats = (body as { stats?: unknown } | null)?.stats;
  if (!Array.isArray(stats)) return 0;
  const found = (stats as { name?: unknown; value?: unknown }[]).find((s) => s?.name === name);
  return typeof found?.value === 'number' ? found.value : 0;
}

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/**
 * A virtual node's health: the worst any of its callers sees (a caller with no healthy endpoint
 * cannot reach it at all; one with an endpoint ejected or failing its checks reaches part of it),
 * and `ready` (its instances' processes) when no caller has looked yet.
 */
export function virtualNodeHealth(callers: readonly ClusterHealth[], ready: boolean | undefined): NodeHealth {
  if (ready === false) return { state: 'unhealthy', reason: 'an instance is not ready' };
  if (callers.length === 0 || callers.every((c) => c.total === 0)) {
    return ready ? { state: 'healthy', reason: 'instances ready; no caller has it as an upstream yet' } : { state: 'unknown', reason: 'no caller has it as an upstream' };
  }
  const seen = callers.filter((c) => c.total > 0);
  const down = seen.find((c) => c.healthy === 0 || c.ejected >= c.total);
  if (down) {
    const why = down.healthy === 0 ? (down.checks > 0 ? 'failing its health checks' : 'unhealthy') : 'ejected (outlier detection)';
    return { state: 'unhealthy', reason: `every endpoint ${why} for a caller` };
  }
  const ejected = Math.max(...seen.map((c) => c.ejected));
  const unhealthy = Math.max(...seen.map((c) => c.total - c.healthy));
  const total = Math.max(...seen.map((c) => c.total));
  if (ejected > 0) return { state: 'degraded', reason: `${ejected} of ${plural(total, 'endpoint')} ejected (outlier detection)` };
  if (unhealthy > 0) return { state: 'degraded', reason: `${unhealthy} of ${plural(total, 'endpoint')} failing health checks` };
  const checked = seen.some((c) => c.checks > 0);
  return { state: 'healthy', reason: checked ? `${plural(total, 'endpoint')} passing health checks` : `${plural(total, 'endpoint')}, none ejected` };
}

/** An instance's health is its processes' readiness. */
export function instanceHealth(processes: readonly { ready: boolean; restarts: number }[]): NodeHealth {
  if (processes.length === 0) return { state: 'unknown', reason: 'no process' };
  const ready = processes.filter((p) => p.ready).length;
  const restarts = processes.reduce((sum, p) => sum + p.restarts, 0);
  const restarted = restarts > 0 ? `, ${plural(restarts, 'restart')}` : '';
  if (ready === processes.length) return { state: 'healthy', reason: `${ready} of ${ready} processes ready${restarted}` };
  return { state: 'unhealthy', reason: `${ready} of ${plural(processes.length, 'process', 'processes')} ready${restarted}` };
}

/** Symbol and word for each state: the state never rests on colour alone. */
export const HEALTH_MARK: Record<HealthState, { symbol: string; word: string }> = {
  healthy: { symbol: '✓', word: 'healthy' },
  degraded: { symbol: '◐', word: 'degraded' },
  unhealthy: { symbol: '✕', word: 'unhealthy' },
  unknown: { symbol: '?', word: 'unknown' },
};

/** What a caller's cluster to a node originates: TLS at all, and a client certificate with it. */
export interface ClientTlsSide {
  tls: boolean;
  certificate: boolean;
}

/** What a node's (or gateway's) listener accepts. */
export interface ListenerTlsSide {
  mode: 'STRICT' | 'PERMISSIVE' | 'DISABLED';
  /** The listener validates client certificates (mutual TLS). */
  clientCertificate: boolean;
}

/**
 * TLS on an edge: `callers` are the clusters that reach the listener (one per calling proxy).
 * Plain text to a plain listener has nothing to show (undefined).
 */
export function edgeTls(callers: readonly ClientTlsSide[], listener: ListenerTlsSide | undefined): { tls: EdgeTls; note: string } | undefined {
  const accepts = listener !== undefined && listener.mode !== 'DISABLED';
  const sending = callers.filter((c) => c.tls);
  if (sending.length === 0) {
    if (listener?.mode === 'STRICT') return { tls: 'mismatch', note: 'plain text to a listener that requires TLS (STRICT): refused' };
    return undefined;
  }
  if (!accepts) return { tls: 'mismatch', note: 'the caller sends TLS to a plain-text listener: the handshake fails' };
  if (sending.length < callers.length && listener.mode === 'STRICT') return { tls: 'mismatch', note: `${callers.length - sending.length} of ${callers.length} callers send plain text to a STRICT TLS listener: refused` };
  if (listener.clientCertificate) {
    if (sending.every((c) => c.certificate)) return { tls: 'mtls', note: `mutual TLS: listener ${listener.mode}, client certificates presented and validated` };
    return { tls: 'mismatch', note: 'the listener requires a client certificate that a caller does not present: refused' };
  }
  return { tls: 'tls', note: `TLS: listener ${listener.mode}, the caller validates the server's certificate` };
}

/** The label drawn on an edge for its TLS: a symbol and a word. */
export const TLS_MARK: Record<EdgeTls, string> = {
  tls: '▣ TLS',
  mtls: '▣▣ mTLS',
  mismatch: '✕ TLS mismatch',
};
