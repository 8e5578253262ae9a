import { describe, expect, it } from 'vitest';
import { edgeTls, instanceHealth, parseClusterHealth, statValue, virtualNodeHealth, type ClusterHealth } from '../src/health.js';

const cluster = (c: Partial<ClusterHealth>): ClusterHealth => ({ total: 1, healthy: 1, ejected: 0, checks: 0, checkFailures: 0, ...c });

describe('parseClusterHealth', () => {
  it('reads membership, ejections and health checks per cluster out of /stats?format=json', () => {
    const body = {
      stats: [
        { name: 'cluster.cds_egress_m_a_http_80.membership_total', value: 2 },
        { name: 'cluster.cds_egress_m_a_http_80.membership_healthy', value: 1 },
        { name: 'cluster.cds_egress_m_a_http_80.outlier_detection.ejections_active', value: 1 },
        { name: 'cluster.cds_egress_m_a_http_80.health_check.attempt', value: 9 },
        { name: 'cluster.cds_egress_m_a_http_80.health_check.failure', value: 4 },
        { name: 'cluster.cds_egress_m_a_http_80.upstream_rq_total', value: 7 },
        { name: 'http.egress.downstream_rq_total', value: 3 },
        { name: 'cluster.b.membership_total', value: 'x' },
      ],
    };
    expect([...parseClusterHealth(body)]).toEqual([['cds_egress_m_a_http_80', { total: 2, healthy: 1, ejected: 1, checks: 9, checkFailures: 4 }]]);
    expect(statValue(body, 'cluster.cds_egress_m_a_http_80.upstream_rq_total')).toBe(7);
    expect(statValue(body, 'cluster.PassthroughCluster.upstream_rq_total')).toBe(0);
    expect(statValue(undefined, 'x')).toBe(0);
  });

  it('refuses an answer that is not the admin stats JSON', () => {
    expect(() => parseClusterHealth({ nope: 1 })).toThrow('no "stats" array');
  });
});

describe('virtualNodeHealth', () => {
  it('is healthy when every caller reaches every endpoint, and says whether checks back it', () => {
    expect(virtualNodeHealth([cluster({}), cluster({})], true)).toEqual({ state: 'healthy', reason: '1 endpoint, none ejected' });
    expect(virtualNodeHealth([cluster({ total: 2, healthy: 2, checks: 4 })], true)).toEqual({ state: 'healthy', reason: '2 endpoints passing health checks' });
  });

  it('is degraded when a caller has an endpoint ejected or failing its checks', () => {
    expect(virtualNodeHealth([cluster({ total: 2, healthy: 2, ejected: 1 })], true)).toEqual({ state: 'degraded', reason: '1 of 2 endpoints ejected (outlier detection)' });
    expect(virtualNodeHealth([cluster({ total: 3, healthy: 2, checks: 6, checkFailures: 2 })], true)).toEqual({ state: 'degraded', reason: '1 of 3 endpoints failing health checks' });
  });

  it('is unhealthy when a caller has no endpoint left, or an instance is not ready', () => {
    expect(virtualNodeHealth([cluster({}), cluster({ healthy: 0, checks: 3, checkFailures: 3 })], true)).toEqual({ state: 'unhealthy', reason: 'every endpoint failing its health checks for a caller' });
    expect(virtualNodeHealth([cluster({ total: 2, healthy: 2, ejected: 2 })], true)).toEqual({ state: 'unhealthy', reason: 'every endpoint ejected (outlier detection) for a caller' });
    expect(virtualNodeHealth([cluster({})], false)).toEqual({ state: 'unhealthy', reason: 'an instance is not ready' });
  });

  it('falls back on readiness when no caller has the node as an upstream', () => {
    expect(virtualNodeHealth([], true).state).toBe('healthy');
    expect(virtualNodeHealth([cluster({ total: 0, healthy: 0 })], undefined)).toEqual({ state: 'unknown', reason: 'no caller has it as an upstream' });
  });
});

describe('instanceHealth', () => {
  it('is its processes’ readiness, with restarts', () => {
    expect(instanceHealth([{ ready: true, restarts: 0 }, { ready: true, restarts: 1 }])).toEqual({ state: 'healthy', reason: '2 of 2 processes ready, 1 restart' });
    expect(instanceHealth([{ ready: false, restarts: 3 }])).toEqual({ state: 'unhealthy', reason: '0 of 1 process ready, 3 restarts' });
    expect(instanceHealth([])).toEqual({ state: 'unknown', reason: 'no process' });
  });
});

describe('edgeTls', () => {
  const strict = { mode: 'STRICT' as const, clientCertificate: false };
  it('is TLS when the callers originate it and the listener takes it', () => {
    expect(edgeTls([{ tls: true, certificate: false }], strict)?.tls).toBe('tls');
    expect(edgeTls([{ tls: true, certificate: false }], { mode: 'PERMISSIVE', clientCertificate: false })?.note).toBe("TLS: listener PERMISSIVE, the caller validates the server's certificate");
  });

  it('is mutual TLS when the listener validates client certificates and every caller presents one', () => {
    expect(edgeTls([{ tls: true, certificate: true }], { mode: 'STRICT', clientCertificate: true })).toEqual({ tls: 'mtls', note: 'mutual TLS: listener STRICT, client certificates presented and validated' });
    expect(edgeTls([{ tls: true, certificate: false }], { mode: 'STRICT', clientCertificate: true })?.tls).toBe('mismatch');
  });

  it('is a mismatch when one side speaks TLS and the other does not', () => {
    expect(edgeTls([{ tls: true, certificate: false }], undefined)).toEqual({ tls: 'mismatch', note: 'the caller sends TLS to a plain-text listener: the handshake fails' });
    expect(edgeTls([{ tls: true, certificate: false }], { mode: 'DISABLED', clientCertificate: false })?.tls).toBe('mismatch');
    expect(edgeTls([{ tls: false, certificate: false }], strict)?.tls).toBe('mismatch');
    expect(edgeTls([], strict)?.note).toBe('plain text to a listener that requires TLS (STRICT): refused');
    expect(edgeTls([{ tls: true, certificate: false }, { tls: false, certificate: false }], strict)?.note).toBe('1 of 2 callers send plain text to a STRICT TLS listener: refused');
  });

  it('shows nothing for plain text to a plain (or permissive) listener', () => {
    expect(edgeTls([{ tls: false, certificate: false }], undefined)).toBeUndefined();
    expect(edgeTls([{ tls: false, certificate: false }], { mode: 'PERMISSIVE', clientCertificate: false })).toBeUndefined();
  });
});
