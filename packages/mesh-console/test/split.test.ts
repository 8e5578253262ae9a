import { describe, expect, it } from 'vitest';
import type { SplitTarget } from '../src/snapshot.js';
import { countsSince, parseClusterCounts, percentages, splitShares, sumCounts } from '../src/split.js';

const target = (label: string, weight: number, total: number, rq2xx = total): SplitTarget => ({ cluster: `c_${label}`, label, weight, observed: { rq2xx, total } });

describe('parseClusterCounts', () => {
  it('reads 2xx and total per cluster, whatever dots the cluster name holds, and nothing else', () => {
    const counts = parseClusterCounts({
      stats: [
        { name: 'cluster.cds_egress_mesh_vnode-1_http_80.upstream_rq_2xx', value: 7 },
        { name: 'cluster.cds_egress_mesh_vnode-1_http_80.upstream_rq_total', value: 9 },
        { name: 'cluster.svc.v1.upstream_rq_total', value: 3 },
        { name: 'cluster.cds_egress_mesh_vnode-1_http_80.upstream_rq_5xx', value: 2 },
        { name: 'http.ingress.downstream_rq_2xx', value: 100 },
        { name: 'cluster.x.upstream_rq_time', histogram: {} },
      ],
    });
    expect(Object.fromEntries(counts)).toEqual({ 'cds_egress_mesh_vnode-1_http_80': { rq2xx: 7, total: 9 }, 'svc.v1': { rq2xx: 0, total: 3 } });
  });

  it('refuses an answer that is not the admin JSON', () => {
    expect(() => parseClusterCounts('LIVE')).toThrow('no "stats" array');
    expect(() => parseClusterCounts(null)).toThrow('no "stats" array');
  });
});

describe('sumCounts and countsSince', () => {
  it('adds the same cluster over two client proxies', () => {
    const a = new Map([['x', { rq2xx: 1, total: 2 }]]);
    const b = new Map([['x', { rq2xx: 3, total: 3 }], ['y', { rq2xx: 0, total: 1 }]]);
    expect(Object.fromEntries(sumCounts([a, b]))).toEqual({ x: { rq2xx: 4, total: 5 }, y: { rq2xx: 0, total: 1 } });
  });

  it('counts from the baseline, and from zero again after a proxy restart reset its counters', () => {
    expect(countsSince({ rq2xx: 10, total: 12 }, { rq2xx: 15, total: 20 })).toEqual({ rq2xx: 5, total: 8 });
    expect(countsSince({ rq2xx: 10, total: 12 }, { rq2xx: 2, total: 3 })).toEqual({ rq2xx: 2, total: 3 });
    expect(countsSince(undefined, { rq2xx: 2, total: 3 })).toEqual({ rq2xx: 2, total: 3 });
    expect(countsSince({ rq2xx: 1, total: 1 }, undefined)).toEqual({ rq2xx: 0, total: 0 });
  });
});

describe('splitShares', () => {
  it('gives configured shares from weights and observed shares from requests sent', () => {
    const shares = splitShares([target('v1', 95, 180), target('v2', 5, 20, 10)]);
    expect(shares.map((s) => s.configured)).toEqual([0.95, 0.05]);
    expect(shares.map((s) => s.observed)).toEqual([0.9, 0.1]);
    expect(shares[1]).toMatchObject({ requests: 20, rq2xx: 10 });
  });

  it('has no observed share before the first request, and no configured share when every weight is 0', () => {
    expect(splitShares([target('a', 1, 0), target('b', 1, 0)]).map((s) => s.observed)).toEqual([null, null]);
    expect(splitShares([target('a', 0, 1), target('b', 0, 1)]).map((s) => s.configured)).toEqual([0, 0]);
  });

  it('refuses a negative or non-numeric weight', () => {
    expect(() => splitShares([target('a', -1, 0)])).toThrow('weight -1');
    expect(() => splitShares([target('a', Number.NaN, 0)])).toThrow('weights are numbers');
  });
});

describe('percentages', () => {
  it('always adds up to 100, rounding the largest remainders up', () => {
    expect(percentages([1, 1, 1])).toEqual([34, 33, 33]);
    expect(percentages([2, 1])).toEqual([67, 33]);
    expect(percentages([0.95, 0.05])).toEqual([95, 5]);
    expect(percentages([0, 0])).toEqual([0, 0]);
    for (const f of [[0.123, 0.456, 0.421], [1, 2, 3, 4, 5, 6, 7]]) expect(percentages(f).reduce((a, b) => a + b, 0)).toBe(100);
  });
});
