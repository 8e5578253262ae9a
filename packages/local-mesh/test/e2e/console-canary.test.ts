/**
 * The 95:5 canary of dj-kong-ingress as the mesh console sees it: a burst of 1,000 requests from
 * the dj pod to jazz (the route that splits is jazz-router's, applied by dj's sidecar, so the burst
 * goes through the dj entry — a proxy, which the load button does not offer), then the page's
 * observed split must be what the sidecar really sent and inside the 99.9% binomial bounds the
 * checks runner holds a distribution to.
 */
import { describe, expect, it } from 'vitest';
import { chromiumForTests } from '@amw/dev-stack/testing';
import { percentages } from '@amw/mesh-console';
import { getWalkthrough } from '@amw/mesh-manifests';
import { binomialBounds } from '../../src/checks/runner.js';
import { expectProjectorShot, walkthroughOnProjector } from './projector-page.js';

const chromium = chromiumForTests();
const walkthrough = getWalkthrough('dj-kong-ingress');
const SAMPLES = 1000;

describe.runIf(chromium)('the 95:5 canary of dj-kong-ingress, observed in the mesh console', () => {
  const run = walkthroughOnProjector(chromium, walkthrough, 'canary');

  it(`shows the split of ${SAMPLES} requests from dj to jazz within binomial bounds of 95:5`, async () => {
    await run.page.goto(run.started.run.consoleUrl);
    await expect.poll(() => run.page.getByTestId('connection').textContent(), { timeout: 15_000 }).toContain('live');
    // Metal's router splits 95:5 too; the split drawn for jazz is the one whose targets are jazz's nodes.
    const split = run.page.locator('[data-testid="split"]').filter({ has: run.page.locator('[data-target*="jazz-v1"]') });
    await expect.poll(() => run.page.getByTestId('split').evaluateAll((figs) => figs.map((f) => f.textContent)), { timeout: 10_000 }).toHaveLength(2);
    expect(await split.count()).toBe(1);
    // Counting starts when the page connects: nothing has gone to jazz yet.
    expect(await split.getByTestId('observed').allTextContents()).toEqual(['—', '—']);

    // The walkthrough's own canary request, as `pnpm walkthrough check` sends it.
    const check = walkthrough.checks.find((c) => c.name === 'dj-canary-jazz')!;
    let sent = 0;
    const statuses = new Map<number, number>();
    const worker = async () => {
      while (sent < SAMPLES) {
        sent++;
        const { status } = await run.started.client.send(check);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect([...statuses]).toEqual([[200, SAMPLES]]);

    const rows = async () =>
      split.getByTestId('split-row').evaluateAll((trs) =>
        trs.map((tr) => {
          const [rq2xx, total] = tr.querySelector('[data-testid="counts"]')!.textContent!.split('/').map((n: string) => Number(n.trim()));
          return { target: tr.getAttribute('data-target')!, weight: Number(tr.querySelector('td')!.textContent), rq2xx: rq2xx!, total: total!, observed: tr.querySelector('[data-testid="observed"]')!.textContent! };
        }),
      );
    // Snapshots come once a second: wait until the page has counted the whole burst.
    // A proxy counts a 2xx once the answer has ended, which can be a moment after the client has it:
    // wait for both counters, so a snapshot read between the two does not look like a failure.
    await expect
      .poll(async () => (await rows()).reduce((sum, r) => [sum[0]! + r.total, sum[1]! + r.rq2xx], [0, 0]), { timeout: 10_000, interval: 250 })
      .toEqual([SAMPLES, SAMPLES]);
    const seen = await rows();
    expect(seen.map((r) => [r.target, r.weight]).sort()).toEqual([
      [expect.stringContaining('jazz-v1'), 95],
      [expect.stringContaining('jazz-v2'), 5],
    ]);
    // Whole percentages that add up to 100, as the page rounds them.
    const shown = percentages(seen.map((r) => r.total / SAMPLES));
    for (const [i, row] of seen.entries()) {
      const { low, high } = binomialBounds(SAMPLES, row.weight / 100);
      expect(row.rq2xx, `${row.target}: every request it was sent answered 2xx`).toBe(row.total);
      expect(row.total, `${row.target}: ${row.total} of ${SAMPLES}, 99.9% bounds ${low}–${high}`).toBeGreaterThanOrEqual(low);
      expect(row.total, `${row.target}: ${row.total} of ${SAMPLES}, 99.9% bounds ${low}–${high}`).toBeLessThanOrEqual(high);
      expect(row.observed).toBe(`${shown[i]}%`);
    }
    // The chart draws the same shares as the table.
    const drawn = JSON.parse((await split.getByTestId('split-chart').getAttribute('data-drawn-observed'))!) as number[];
    expect(drawn.map((p) => `${p}%`)).toEqual(seen.map((r) => r.observed));

    // DROP_ALL is the mesh's; the music nodes' health checks (/ping) are what their health says.
    expect(await run.page.getByTestId('egress').allTextContents()).toEqual(['⊘ mesh dj-app: egress DROP_ALL (only declared backends; anything else 404 NR)']);
    const jazz = run.page.locator('[data-testid="topology-node"][data-id="node:main/prod/jazz-v1"]');
    await expect.poll(() => jazz.getAttribute('aria-label'), { timeout: 10_000 }).toMatch(/✓?healthy: 1 endpoint passing health checks$/);
    expect(await jazz.getAttribute('data-health')).toBe('healthy');

    await expectProjectorShot(run.page, run.errors, 'mesh-console-canary', 'dj-kong-ingress');
  }, 90_000);

  it('counts Kong’s 401s and 429s from its access log once Kong fronts the mesh with API keys and a rate limit', async () => {
    await run.started.run.applyStep('key-auth');
    await expect.poll(() => run.page.getByTestId('current-step').textContent(), { timeout: 30_000 }).toBe('key-auth');
    const kong = run.started.run.urls.entries.kong!;
    const statuses: number[] = [];
    for (const headers of [{}, {}, { apikey: 'wrong' }, { apikey: 'kong-secret' }, { apikey: 'kong-secret' }, { apikey: 'kong-secret' }, { apikey: 'kong-secret' }] as Record<string, string>[]) {
      const res = await fetch(`${kong}/dj/jazz`, { headers });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    // key-auth runs before the rate limit: refused keys are not counted against the 3 a minute.
    expect(statuses).toEqual([401, 401, 401, 200, 200, 200, 429]);
    const counters = run.page.getByTestId('kong-counters');
    await expect.poll(async () => [await counters.getAttribute('data-401'), await counters.getAttribute('data-429')], { timeout: 10_000 }).toEqual(['3', '1']);
    expect(await counters.textContent()).toBe('Kong kong: 401 × 3 (no or wrong API key) · 429 × 1 (rate limited) of 7 answers');
    // Kong's own lines are in the tail, and a key sent as a query value would never show there.
    await expect.poll(() => run.page.locator('[data-testid="access-log-line"][data-proxy="kong/kong"][data-status="429"]').count(), { timeout: 10_000 }).toBe(1);
    await expectProjectorShot(run.page, run.errors, 'mesh-console-kong', 'dj-kong-ingress-kong');
  }, 120_000);
});
