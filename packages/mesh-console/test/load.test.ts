import { describe, expect, it } from 'vitest';
import { describeProgress, dueAfterMs, validateLoadRequest, type LoadProgress } from '../src/load.js';

const entries = [
  { name: 'gateway', url: 'http://127.0.0.1:20100' },
  { name: 'elsewhere', url: 'http://10.0.0.5:80' },
];

describe('validateLoadRequest', () => {
  it('accepts a known entry with count and rate in range, and sends to its root', () => {
    expect(validateLoadRequest({ entry: 'gateway', count: 200, ratePerSecond: 20 }, entries)).toEqual({
      ok: true,
      request: { entry: 'gateway', count: 200, ratePerSecond: 20 },
      url: 'http://127.0.0.1:20100/',
      path: '/',
    });
    expect(validateLoadRequest({ entry: 'gateway', count: 1, ratePerSecond: 100 }, entries).ok).toBe(true);
    expect(validateLoadRequest({ entry: 'gateway', count: 1000, ratePerSecond: 1 }, entries).ok).toBe(true);
  });

  it.each([
    [null, 'the body must be a JSON object'],
    [[1], 'the body must be a JSON object'],
    ['gateway', 'the body must be a JSON object'],
    [{ entry: 'gateway', count: 5, ratePerSecond: 5, path: '/admin' }, 'unknown field path'],
    [{ count: 5, ratePerSecond: 5 }, "entry must be the name of one of this run's load entries (gateway, elsewhere)"],
    [{ entry: 'client', count: 5, ratePerSecond: 5 }, 'entry "client" is not a load entry of this run at this step'],
    [{ entry: 'elsewhere', count: 5, ratePerSecond: 5 }, 'entry "elsewhere" is not on http://127.0.0.1'],
    [{ entry: 'gateway', ratePerSecond: 5 }, 'count must be a whole number from 1 to 1000, not nothing'],
    [{ entry: 'gateway', count: '5', ratePerSecond: 5 }, 'count must be a whole number from 1 to 1000, not "5"'],
    [{ entry: 'gateway', count: 2.5, ratePerSecond: 5 }, 'count must be a whole number'],
    [{ entry: 'gateway', count: 0, ratePerSecond: 5 }, 'count must be from 1 to 1000, not 0'],
    [{ entry: 'gateway', count: 1001, ratePerSecond: 5 }, 'count must be from 1 to 1000, not 1001'],
    [{ entry: 'gateway', count: 5, ratePerSecond: 0 }, 'ratePerSecond must be from 1 to 100, not 0'],
    [{ entry: 'gateway', count: 5, ratePerSecond: 101 }, 'ratePerSecond must be from 1 to 100, not 101'],
    [{ entry: 'gateway', count: 5, ratePerSecond: Number.NaN }, 'ratePerSecond must be a whole number'],
  ])('refuses %j', (body, error) => {
    const result = validateLoadRequest(body, entries);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(error);
  });

  it('says when a step has no load entry at all', () => {
    const result = validateLoadRequest({ entry: 'gateway', count: 5, ratePerSecond: 5 }, []);
    expect(!result.ok && result.error).toBe('entry "gateway" is not a load entry of this run at this step (none at this step)');
  });

  const exec = [
    { name: 'gateway', url: 'http://127.0.0.1:20100', kind: 'load-balancer' as const },
    { name: 'dj', url: 'http://127.0.0.1:20101', kind: 'exec' as const, targets: ['http://jazz.prod.svc.cluster.local:9080/', 'http://metal.prod.svc.cluster.local:9080/'] },
    { name: 'bare', url: 'http://127.0.0.1:20102', kind: 'exec' as const },
    { name: 'remote', url: 'http://10.0.0.9:15001', kind: 'exec' as const, targets: ['http://jazz.prod.svc.cluster.local:9080/'] },
  ];

  it('sends through an exec entry (a sidecar used as a proxy) to one of its targets, as an absolute URL', () => {
    expect(validateLoadRequest({ entry: 'dj', count: 10, ratePerSecond: 5, target: 'http://metal.prod.svc.cluster.local:9080/' }, exec)).toEqual({
      ok: true,
      request: { entry: 'dj', count: 10, ratePerSecond: 5, target: 'http://metal.prod.svc.cluster.local:9080/' },
      url: 'http://127.0.0.1:20101/',
      path: 'http://metal.prod.svc.cluster.local:9080/',
    });
  });

  it.each([
    [{ entry: 'dj', count: 5, ratePerSecond: 5 }, 'entry "dj" is a pod\'s sidecar: target must be one of the URLs it may call (http://jazz.prod.svc.cluster.local:9080/, http://metal.prod.svc.cluster.local:9080/)'],
    [{ entry: 'dj', count: 5, ratePerSecond: 5, target: 42 }, 'target must be one of the URLs it may call'],
    [{ entry: 'dj', count: 5, ratePerSecond: 5, target: 'http://example.com/' }, 'target "http://example.com/" is not one of the virtual services "dj" may call'],
    // Only the URLs exactly as offered: no other path, port or scheme on a known host.
    [{ entry: 'dj', count: 5, ratePerSecond: 5, target: 'http://jazz.prod.svc.cluster.local:9080/admin' }, 'is not one of the virtual services'],
    [{ entry: 'dj', count: 5, ratePerSecond: 5, target: 'https://jazz.prod.svc.cluster.local:9080/' }, 'is not one of the virtual services'],
    [{ entry: 'bare', count: 5, ratePerSecond: 5, target: 'http://jazz.prod.svc.cluster.local:9080/' }, 'may call (none at this step)'],
    [{ entry: 'remote', count: 5, ratePerSecond: 5, target: 'http://jazz.prod.svc.cluster.local:9080/' }, 'entry "remote" is not on http://127.0.0.1'],
    [{ entry: 'dj', count: 1001, ratePerSecond: 5, target: 'http://jazz.prod.svc.cluster.local:9080/' }, 'count must be from 1 to 1000, not 1001'],
    [{ entry: 'dj', count: 5, ratePerSecond: 101, target: 'http://jazz.prod.svc.cluster.local:9080/' }, 'ratePerSecond must be from 1 to 100, not 101'],
    [{ entry: 'gateway', count: 5, ratePerSecond: 5, target: 'http://jazz.prod.svc.cluster.local:9080/' }, 'entry "gateway" is a load balancer: requests go to its / and take no target'],
  ])('refuses exec request %j', (body, error) => {
    const result = validateLoadRequest(body, exec);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(error);
  });
});

describe('dueAfterMs', () => {
  it('spaces requests evenly from the start of the burst', () => {
    expect([0, 1, 2, 19, 20].map((i) => dueAfterMs(i, 20))).toEqual([0, 50, 100, 950, 1000]);
    expect(dueAfterMs(199, 20)).toBe(9950);
    expect(dueAfterMs(3, 1)).toBe(3000);
  });
});

describe('describeProgress', () => {
  const base: LoadProgress = { entry: 'gateway', count: 200, ratePerSecond: 20, url: 'http://127.0.0.1:20100/', sent: 0, answered: 0, failed: 0, byStatus: {}, running: true, startedAt: '' };
  it('counts sent, answered by status in order, and unanswered', () => {
    expect(describeProgress({ ...base, sent: 40, answered: 38, byStatus: { '503': 2, '200': 36 } })).toBe('gateway: 40 of 200 sent at 20/s, 38 answered (36× 200, 2× 503) — running');
    expect(describeProgress({ ...base, sent: 200, answered: 199, failed: 1, byStatus: { '200': 199 }, running: false })).toBe('gateway: 200 of 200 sent at 20/s, 199 answered (199× 200), 1 without answer — done');
    expect(describeProgress({ ...base, sent: 3, running: false, stoppedBecause: 'the run stopped' })).toBe('gateway: 3 of 200 sent at 20/s, 0 answered — stopped: the run stopped');
    expect(describeProgress({ ...base, entry: 'dj', target: 'http://jazz.prod.svc.cluster.local:9080/', sent: 5, answered: 5, byStatus: { '200': 5 }, running: false })).toBe(
      'dj → http://jazz.prod.svc.cluster.local:9080/: 5 of 200 sent at 20/s, 5 answered (5× 200) — done',
    );
  });
});
